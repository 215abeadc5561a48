/**
 * onnxruntime-node (1.30) ships Microsoft's telemetry client: once loaded it keeps a SQLite event
 * store under ~/.cache/Microsoft/DeveloperTools, writes /tmp/mat-debug-<pid>.log, and from a
 * thread of its own resolves and contacts an upload host now and then (each try opens an eventfd
 * and sockets for a moment). A diagnostics tool reading the user's data must not phone home, and
 * those short-lived descriptors made the compute process look as if a cancelled job had leaked
 * one. onnxruntime reads ORT_DISABLE_TELEMETRY when it starts, so it is set before the module is
 * loaded; a value the user set is left as it is. Child processes (the WebGPU probe) inherit it.
 */
export function disableOrtTelemetry(): void {
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
}
