/** The renderer's only way to the main process: five validated calls and the tray's commands, nothing else. */
import { contextBridge, ipcRenderer } from "electron";
import { type AppCommand, COMMAND_CHANNEL, type FiresideBridge, IPC } from "../shared/ipc.js";

const bridge: FiresideBridge = {
  getSettings: () => ipcRenderer.invoke(IPC.getSettings),
  setSettings: (patch) => ipcRenderer.invoke(IPC.setSettings, patch),
  getToken: () => ipcRenderer.invoke(IPC.getToken),
  setToken: (token) => ipcRenderer.invoke(IPC.setToken, token),
  reportState: (state) => ipcRenderer.invoke(IPC.reportState, state),
  onCommand: (listener) => {
    ipcRenderer.on(COMMAND_CHANNEL, (_event, command: AppCommand) => listener(command));
  },
};
contextBridge.exposeInMainWorld("fireside", bridge);
