/** @module beautyspot — public API, exported by name. */

export type { ContentTypeOption, ContentTypeValue } from "./content-type.js";
export { ContentType } from "./content-type.js";
export type { BackgroundSaves } from "./core/background-saves.js";
export type { MarkedFunction, MarkedMethods, MarkedSyncFunction } from "./core/call.js";
export type {
  BackgroundErrorContext,
  MarkOptions,
  SaveErrorMode,
  SpotOptions,
} from "./core/options.js";
export type { SQLiteTaskDBOptions } from "./db/sqlite/sqlite-task-db.js";
export { SQLiteTaskDB } from "./db/sqlite/sqlite-task-db.js";
export type {
  RecordProblemField,
  RecordProblems,
  ResultType,
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
  ConfigurationError,
  DatabaseWriteError,
  IncompatibleProviderError,
  SerializationError,
  SpotClosedError,
  ValidationError,
} from "./errors.js";
export { HookBase } from "./hooks/base.js";
export type { Hook, HookContext, HookResultContext } from "./hooks/types.js";
export type { KeyGenOption, KeyGenPolicy } from "./keys/keygen.js";
export { KeyGen } from "./keys/keygen.js";
export type { LifecyclePolicyOptions, LifecycleRule } from "./lifecycle/policy.js";
export { LifecyclePolicy } from "./lifecycle/policy.js";
export type { RetentionDuration, RetentionSpec, RetentionUnit } from "./lifecycle/retention.js";
export { Retention } from "./lifecycle/retention.js";
export type { TokenBucketOptions } from "./limiter/token-bucket.js";
export { TokenBucket } from "./limiter/token-bucket.js";
export type { RateLimiter } from "./limiter/types.js";
export type {
  BlobFolderScan,
  CleanGarbageOptions,
  CleanGarbageReport,
  ClearOptions,
  DatabaseSummary,
  FunctionSummary,
  GarbageScanOptions,
  KeptBlobFolder,
  MaintenanceServiceOptions,
  OrphanProject,
  PruneOptions,
  TaskDetail,
} from "./maintenance/service.js";
export { MaintenanceService } from "./maintenance/service.js";
export { MsgpackSerializer, rescueDecode } from "./serializer/msgpack.js";
export type { RescuedExtension, RescuedValue, RescueResult } from "./serializer/rescued.js";
export { isRescuedValue, RESCUED_KEY } from "./serializer/rescued.js";
export type { DecodeErrorMode, Serializer, TypeRegistration } from "./serializer/types.js";
export { Spot } from "./spot.js";
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
