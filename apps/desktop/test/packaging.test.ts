/** electron-builder.yml against electron-builder's own schema. */
import { readFileSync } from "node:fs";
import { getConfig, validateConfiguration } from "app-builder-lib/out/util/config/config.js";
import { DebugLogger } from "builder-util";
import { describe, expect, it } from "vitest";

const desktopDir = new URL("..", import.meta.url).pathname;

describe("electron-builder.yml", () => {
  it("passes electron-builder's own schema and targets AppImage/deb, dmg and nsis", async () => {
    const config = await getConfig(desktopDir, "../../electron-builder.yml", null);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    expect(config.linux?.target).toEqual(["AppImage", "deb"]);
    expect(config.mac?.target).toEqual(["dmg"]);
    expect(config.win?.target).toEqual(["nsis"]);
    expect(config.mac?.extendInfo?.NSMicrophoneUsageDescription).toBeTruthy();
  });

  it("packages the built entry point that package.json names", () => {
    const pkg = JSON.parse(readFileSync(`${desktopDir}package.json`, "utf8"));
    expect(pkg.main).toBe("out/main/index.js");
    expect(readFileSync(`${desktopDir}../../electron-builder.yml`, "utf8")).toMatch(/- out\/\*\*/);
  });

  it("rejects a misspelt option (the validation can fail)", async () => {
    const config = await getConfig(desktopDir, "../../electron-builder.yml", null);
    await expect(
      validateConfiguration({ ...config, linux: { ...config.linux, targett: "deb" } as never }, new DebugLogger(false)),
    ).rejects.toThrow(/Invalid configuration/);
  });
});
