// Limits shared by the server configuration and trigger metadata, so both enforce one number.

/**
 * The shortest cache TTL / time bucket (ms), for the server default and per trigger: below 1 s a
 * bucket is shorter than any Prometheus scrape interval and only multiplies queries.
 */
export const MIN_CACHE_TTL_MS = 1000;

/**
 * The longest PromQL text a trigger may send (query or activationQuery), in UTF-8 bytes: the
 * metadata bound counts characters, and non-ASCII text is up to 3 bytes per character. Real
 * scaling queries are well under 1 KiB; 64 KiB leaves room for generated ones while keeping a
 * single call from sending megabytes (a 1 MB GET is refused by Go's 1 MiB header limit with 431).
 */
export const MAX_QUERY_BYTES = 64 * 1024;

/** All of a trigger's customHeaders together (names and values, UTF-8 bytes): nginx's 8 KiB. */
export const MAX_CUSTOM_HEADERS_BYTES = 8 * 1024;
