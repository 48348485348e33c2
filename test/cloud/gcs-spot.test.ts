/** @module test/cloud/gcs-spot.test — a Spot on GCS (our JSON-API server on 127.0.0.1), end to end. */

import { GCSStorage } from "../../src/storage/gcs.js";
import { startGcsServer } from "../servers/gcs.js";
import { runCloudSpotSuite } from "./spot-end-to-end.js";

runCloudSpotSuite({
  name: "GCS",
  scheme: "gs",
  startServer: (bucket) => startGcsServer([bucket]),
  makeStorage: (uri, server) =>
    new GCSStorage(uri, {
      apiEndpoint: server.endpoint,
      projectId: "test",
      retryOptions: { autoRetry: false },
    }),
  childEnvironment: (server) => ({ STORAGE_EMULATOR_HOST: server.endpoint }),
});
