/**
 * Keeps onnxruntime-node's native binding loaded in the main thread for the life of the process.
 * Engines run onnxruntime in worker threads; once the last thread that loaded the binding ends, a
 * new worker cannot load it again ("Module did not self-register"), so a dead worker could not be
 * replaced and a closed engine not reopened.
 */
import "onnxruntime-node";
