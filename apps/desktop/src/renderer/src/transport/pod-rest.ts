/** The pod's REST API with the token: JSON in and out, errors as PodApiError with the protocol's code. */
import { httpBase } from "./pod-transport";

export class PodApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 0,
  ) {
    super(message);
  }
}

export class PodRest {
  protected readonly base: string;
  constructor(
    podUrl: string,
    protected readonly token: string,
  ) {
    this.base = httpBase(podUrl);
  }

  protected async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      ...init,
      headers: { ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}), ...init.headers },
    });
    if (res.status === 204) return undefined as T;
    const type = res.headers.get("content-type") ?? "";
    if (!res.ok) {
      const body = type.includes("json") ? ((await res.json()) as { error?: { code: string; message: string } }) : {};
      throw new PodApiError(body.error?.code ?? `HTTP_${res.status}`, body.error?.message ?? `the pod answered ${res.status}`, res.status);
    }
    return (type.includes("json") ? res.json() : type.startsWith("text/") ? res.text() : res.blob()) as Promise<T>;
  }
}
