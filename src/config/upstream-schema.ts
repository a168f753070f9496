// The schema of what guards the sources: the result cache (`cache:`) and the circuit breaker
// (`breaker:`).
import { always, between, named, section } from './schema-reader';
import { count, duration, mebibytes } from './schema-fields';
import { MIN_CACHE_TTL_MS } from '../util/limits';

export const Cache = always(
  between(
    section(
      {
        /** The HPA sync period (15 s); Trickster rounds instant queries to the same step. */
        ttl: named(
          'ttlMs',
          duration(
            { default: '15s', description: 'Default cacheTTL and time bucket of a trigger.' },
            MIN_CACHE_TTL_MS,
          ),
        ),
        ttlLimit: named(
          'ttlLimitMs',
          duration({ default: '5m', description: 'Largest cacheTTL a trigger may set.' }),
        ),
        /** Rides out a Prometheus restart, which takes well under a minute on a small TSDB. */
        maxStaleness: named(
          'maxStalenessMs',
          duration({
            default: '60s',
            description: 'Default maxStaleness of a trigger; also the readiness window.',
          }),
        ),
        maxStalenessLimit: named(
          'maxStalenessLimitMs',
          duration({ default: '10m', description: 'Largest maxStaleness a trigger may set.' }),
        ),
        /** About 100 MB at the measured cost per key (docs/performance.md "Performance"). */
        maxEntries: count({
          default: 100_000,
          description:
            'Distinct query results kept; beyond it the namespace holding the most drops its least recently used.',
        }),
        /**
         * The Deployment's 512 MiB limit (deploy/base/deployment.yaml) less about 80 MB for the
         * idle process, 32 MiB for the trigger memo and room for the garbage collector.
         */
        maxBytes: mebibytes({
          defaultMiB: 128,
          description:
            'Estimated memory of the query results kept (bytes: key, query text, result, error text); beyond it the namespace holding the most drops its least recently used.',
        }),
        /** Thousands of ordinary triggers take a few MB; long queries are what this bounds. */
        triggerMemoMaxBytes: mebibytes({
          defaultMiB: 32,
          description:
            'Estimated memory of parsed trigger metadata remembered between calls (bytes); the least recently used are parsed again.',
        }),
        /** Three of KEDA's default 30 s polling intervals: a key in use is asked far more often. */
        idleRefresh: named(
          'idleRefreshMs',
          duration({
            default: '90s',
            description: 'Refresh ahead only keys asked for within this window.',
          }),
        ),
        /** Keeps memory for keys still in use while forgetting ScaledObjects that are gone. */
        idleDrop: named(
          'idleDropMs',
          duration({
            default: '10m',
            description: 'Forget keys nobody asked for within this window.',
          }),
        ),
        /** Absorbs KEDA's immediate retry after a 5xx without hiding a lasting outage. */
        negativeTtl: named(
          'negativeTtlMs',
          duration({
            default: '3s',
            description: 'How long a transient source failure is remembered.',
          }),
        ),
        /** Bad PromQL stays bad; Mimir's results cache keeps such errors for minutes too. */
        badQueryTtl: named(
          'badQueryTtlMs',
          duration({ default: '60s', description: 'How long a 400/422 bad query is remembered.' }),
        ),
      },
      {
        description: 'Result cache defaults and the caps on triggers.',
      },
    ),
    (cache, path, problems) => {
      if (cache.ttlMs > cache.ttlLimitMs)
        problems.push(`${path}.ttl: must not exceed ${path}.ttlLimit`);
      if (cache.maxStalenessMs > cache.maxStalenessLimitMs) {
        problems.push(`${path}.maxStaleness: must not exceed ${path}.maxStalenessLimit`);
      }
    },
  ),
);

/** Open after 3 consecutive failures, probe after 10 s, close after 3 good probes. */
export const Breaker = always(
  section(
    {
      failureThreshold: count({ default: 3, description: 'Consecutive failures that open it.' }),
      openDuration: named(
        'openMs',
        duration({
          default: '10s',
          description: 'How long it stays open before requests are let through again (half-open).',
        }),
      ),
      closeAfterSuccesses: count({
        default: 3,
        description: 'Consecutive good probes that close it.',
      }),
    },
    {
      description:
        'Circuit breakers: one per source and one per identity it is asked as; they count only failures no trigger can cause (docs/multi-tenancy.md).',
    },
  ),
);
