/** @module beautyspot — public API, exported by name. */

export type { ContentTypeOption, ContentTypeValue } from "./content-type.js";
export { ContentType, STREAM_CONTENT_TYPE } from "./content-type.js";
export type { BackgroundSaves } from "./core/background-saves.js";
export type {
  MarkedFunction,
  MarkedMethods,
  MarkedResult,
  MarkedSyncFunction,
  StreamResult,
} from "./core/call.js";
export type { ExplicitKeyOptions, LookupOptions, StoreOptions } from "./core/explicit.js";
export type { SpotMode } from "./core/modes.js";
export type {
  BackgroundErrorContext,
  MarkOptions,
  ReplayOptions,
  ReplayPace,
  SaveErrorMode,
  SingleFlightMode,
  SpotOptions,
} from "./core/options.js";
export type { StreamRecording } from "./core/stream.js";
export type { PostgresTaskDBOptions } from "./db/postgres/postgres-task-db.js";
export { PostgresTaskDB } from "./db/postgres/postgres-task-db.js";
export type { SQLiteTaskDBOptions } from "./db/sqlite/sqlite-task-db.js";
export { SQLiteTaskDB } from "./db/sqlite/sqlite-task-db.js";
export type {
  GroupStats,
  Lease,
  LeaseHolder,
  LeaseMethods,
  RecordProblemField,
  RecordProblems,
  ResultType,
  StoredInputs,
  StoredTask,
  TaskDB,
  TaskDeletion,
  TaskFilter,
  TaskQuery,
  TaskRecord,
  TaskSortField,
  TaskStats,
  TaskWrite,
} from "./db/types.js";
export type { Durability } from "./durability.js";
export {
  BeautySpotError,
  BlobStorageError,
  CacheCorruptedError,
  CacheMissError,
  ConfigurationError,
  DatabaseWriteError,
  IncompatibleProviderError,
  SerializationError,
  SpotClosedError,
  ValidationError,
} from "./errors.js";
export { HookBase } from "./hooks/base.js";
export type { Hook, HookContext, HookResultContext } from "./hooks/types.js";
export type {
  ArgumentDifference,
  Explanation,
  NearestEntry,
  VersionCount,
} from "./keys/explain.js";
export type { KeyGenOption, KeyGenPolicy } from "./keys/keygen.js";
export { KeyGen } from "./keys/keygen.js";
export type { RedactField, RedactOption } from "./keys/redact.js";
export type { LifecyclePolicyOptions, LifecycleRule } from "./lifecycle/policy.js";
export { LifecyclePolicy } from "./lifecycle/policy.js";
export type { RetentionDuration, RetentionSpec, RetentionUnit } from "./lifecycle/retention.js";
export { Retention } from "./lifecycle/retention.js";
export type { SharedTokenBucketOptions } from "./limiter/shared.js";
export { SharedTokenBucket } from "./limiter/shared.js";
export type { TokenBucketOptions } from "./limiter/token-bucket.js";
export { TokenBucket } from "./limiter/token-bucket.js";
export type { RateLimiter } from "./limiter/types.js";
export type {
  BlobFolderScan,
  CacheStats,
  CleanGarbageOptions,
  CleanGarbageReport,
  ClearOptions,
  DatabaseSummary,
  FunctionStats,
  FunctionSummary,
  GarbageScanOptions,
  KeptBlobFolder,
  MaintenanceServiceOptions,
  OrphanProject,
  PruneOptions,
  SavedFigures,
  TaskDetail,
} from "./maintenance/service.js";
export { computeHitRate, MaintenanceService } from "./maintenance/service.js";
export type {
  RecordedEntry,
  RecordingWriteOptions,
  RecordingWriteReport,
} from "./recordings/format.js";
export { readRecordingFile } from "./recordings/format.js";
export type { RecordingLayerOptions } from "./recordings/layer.js";
export { RecordingTaskDB } from "./recordings/layer.js";
export type {
  ExportRecordingOptions,
  ImportRecordingReport,
  RecordingStore,
} from "./recordings/transfer.js";
export { exportRecording, importRecording } from "./recordings/transfer.js";
export { MsgpackSerializer, rescueDecode } from "./serializer/msgpack.js";
export type { RescuedExtension, RescuedValue, RescueResult } from "./serializer/rescued.js";
export { isRescuedValue, RESCUED_KEY } from "./serializer/rescued.js";
export type { DecodeErrorMode, Serializer, TypeRegistration } from "./serializer/types.js";
export { type ServeDashboardOptions, type ServedDashboard, Spot } from "./spot.js";
export { createStorage } from "./storage/create.js";
export type { GCSClientLike, GCSStorageOptions, GCSStorageSettings } from "./storage/gcs.js";
export { GCSStorage } from "./storage/gcs.js";
export type { LocalStorageOptions } from "./storage/local.js";
export { LocalStorage } from "./storage/local.js";
export { AlwaysBlobPolicy, ThresholdStoragePolicy, WarningOnlyPolicy } from "./storage/policy.js";
export type { S3ClientLike, S3ClientOptions, S3StorageSettings } from "./storage/s3.js";
export { S3Storage } from "./storage/s3.js";
export type { BlobStorage, StoragePolicy } from "./storage/types.js";
export type { Awaitable, Logger } from "./types.js";
