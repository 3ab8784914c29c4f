/** The renderer's only way to the main process: four validated calls, nothing else. */
import { contextBridge, ipcRenderer } from "electron";
import { type FiresideBridge, IPC } from "../shared/ipc.js";

const bridge: FiresideBridge = {
  getSettings: () => ipcRenderer.invoke(IPC.getSettings),
  setSettings: (patch) => ipcRenderer.invoke(IPC.setSettings, patch),
  getToken: () => ipcRenderer.invoke(IPC.getToken),
  setToken: (token) => ipcRenderer.invoke(IPC.setToken, token),
};
contextBridge.exposeInMainWorld("fireside", bridge);
