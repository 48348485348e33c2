/** @module test/cloud/s3-spot.test — a Spot on S3 (s3rver on 127.0.0.1), end to end. */

import { S3Storage } from "../../src/storage/s3.js";
import { S3_TEST_CREDENTIALS, startS3Server } from "../servers/s3.js";
import { runCloudSpotSuite } from "./spot-end-to-end.js";

runCloudSpotSuite({
  name: "S3",
  scheme: "s3",
  startServer: (bucket) => startS3Server([bucket]),
  makeStorage: (uri, server) =>
    new S3Storage(uri, {
      endpoint: server.endpoint,
      credentials: S3_TEST_CREDENTIALS,
      maxAttempts: 1,
    }),
  childEnvironment: (server) => ({
    AWS_ENDPOINT_URL_S3: server.endpoint,
    AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: "us-east-1",
  }),
});
