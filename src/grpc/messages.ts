// TypeScript shapes of the externalscaler messages as proto-loader decodes them (int64 as string).

export interface ScaledObjectRef {
  name: string;
  namespace: string;
  scalerMetadata: Record<string, string>;
}

export interface IsActiveResponse {
  result: boolean;
}

interface MetricSpec {
  metricName: string;
  targetSize: string;
  targetSizeFloat: number;
}

export interface GetMetricSpecResponse {
  metricSpecs: MetricSpec[];
}

export interface GetMetricsRequest {
  scaledObjectRef: ScaledObjectRef | null;
  metricName: string;
}

interface MetricValue {
  metricName: string;
  metricValue: string;
  metricValueFloat: number;
}

export interface GetMetricsResponse {
  metricValues: MetricValue[];
}
