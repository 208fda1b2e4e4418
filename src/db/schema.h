/*
 * schema - the database schema as ordered migrations, one file a version
 * (schema_vN.c), applied by store_open from PRAGMA user_version up. A
 * released version is never edited: a change is a new version.
 */
#ifndef AGW_SCHEMA_H
#define AGW_SCHEMA_H

extern const char schema_v1[];
extern const char schema_v2[];
extern const char schema_v3[];
extern const char schema_v4[];
extern const char schema_v5[];
extern const char schema_v6[];
extern const char schema_v7[];
extern const char schema_v8[];
extern const char schema_v9[];
extern const char schema_v10[];
extern const char schema_v11[];
extern const char schema_v12[];
extern const char schema_v13[];

#endif
