// Limits shared by the server configuration and trigger metadata, so both enforce one number.

/**
 * The shortest cache TTL / time bucket (ms), for the server default and per trigger: below 1 s a
 * bucket is shorter than any Prometheus scrape interval and only multiplies queries.
 */
export const MIN_CACHE_TTL_MS = 1000;
