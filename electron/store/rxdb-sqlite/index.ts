export {
  getRxStorageSqlite,
  getSqliteDatabase,
  listSqliteCollections,
  RX_STORAGE_NAME_SQLITE,
  type RxStorageSqlite,
  type RxStorageSqliteSettings,
  type SqliteCollectionInfo,
} from './storage';
export {
  RxStorageInstanceSqlite,
  type RxStorageSqliteInstanceCreationOptions,
  type RxStorageSqliteInternals,
} from './instance';
export { SQLITE_STORAGE_FORMAT, COLLECTIONS_TABLE } from './connection';
export { toSortableText } from './sortable-text';
