/**
 * `rebound/dev`: the embedded Temporal dev server, `rebound dev` as a function, and the demo.
 * For trying rebound on one machine and for tests; not the library's main face.
 */
export { defaultSqlitePragmas, findTemporalBinary, freePort, installTemporalCli, localTemporalBinary, reboundHome, sdkDownload, startDevServer } from './server';
export type { DevServer, DevServerOptions, FindBinaryOptions, TemporalBinary } from './server';
export { defaultDbFile, exampleJobModule, startDev, type DevHandle, type DevOptions } from './dev';
export { runDemo, type DemoJob, type DemoOptions, type DemoSummary } from './demo';
