/**
 * The station screen's preload (sandboxed, context-isolated): exposes the station API as `window.quty` and nothing
 * else. Built to dist/electron/preload.cjs as one CommonJS file (a sandboxed preload can require only 'electron').
 */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_KEY } from '../../renderer/transport/ipc-wire';
import { createStationBridge } from './station-bridge';

contextBridge.exposeInMainWorld(BRIDGE_KEY, createStationBridge(ipcRenderer));
