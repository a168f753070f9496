{{/* Names, labels and the rendered configuration file shared by the chart's templates. */}}

{{/* Object name: keda-prometheus-scaler for a release of that name, as deploy/ names them. */}}
{{- define "kps.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kps.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The pods' selector: never changes across upgrades. */}}
{{- define "kps.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kps.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: scaler
{{- end -}}

{{- define "kps.labels" -}}
{{ include "kps.selectorLabels" . }}
app.kubernetes.io/part-of: keda
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- with .Values.additionalLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "kps.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kps.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "kps.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The headless Service's DNS name: KEDA's scalerAddress host and push.peers. */}}
{{- define "kps.serviceHost" -}}
{{- printf "%s.%s.svc.%s" (include "kps.fullname" .) .Release.Namespace .Values.clusterDomain -}}
{{- end -}}

{{/* Where the pod sees its files: the same paths as deploy/base. */}}
{{- define "kps.configDir" -}}/etc/keda-prometheus-scaler/config{{- end -}}
{{- define "kps.webhookDir" -}}/etc/keda-prometheus-scaler/webhook{{- end -}}
{{- define "kps.tlsDir" -}}/etc/keda-prometheus-scaler/tls{{- end -}}
{{- define "kps.secretsDir" -}}/etc/keda-prometheus-scaler/secrets{{- end -}}

{{/* The server Secret mounted at kps.tlsDir. */}}
{{- define "kps.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "kps.fullname" .)) .Values.tls.existingSecret -}}
{{- end -}}

{{/*
A source (or a part of one) with every `xSecret: {name, key}` replaced by `xFile: <path>` where the
pod mounts that Secret (kps.secretsDir/<name>/<key>), and every `xSecrets: {header: {name, key}}`
by `xFiles: {header: <path>}`. Called with a map, returns YAML.
*/}}
{{- define "kps.filesFromSecrets" -}}
{{- $out := dict -}}
{{- range $key, $value := . -}}
{{- if and (hasSuffix "Secret" $key) (kindIs "map" $value) (hasKey $value "name") -}}
{{- $_ := set $out (printf "%sFile" (trimSuffix "Secret" $key)) (printf "%s/%s/%s" (include "kps.secretsDir" $) $value.name $value.key) -}}
{{- else if and (hasSuffix "Secrets" $key) (kindIs "map" $value) -}}
{{- $files := dict -}}
{{- range $name, $ref := $value -}}
{{- $_ := set $files $name (printf "%s/%s/%s" (include "kps.secretsDir" $) $ref.name $ref.key) -}}
{{- end -}}
{{- $_ := set $out (printf "%sFiles" (trimSuffix "Secrets" $key)) $files -}}
{{- else if kindIs "map" $value -}}
{{- $_ := set $out $key (include "kps.filesFromSecrets" $value | fromYaml) -}}
{{- else -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Every Secret name the sources refer to, one per line (each becomes a volume). */}}
{{- define "kps.sourceSecretNames" -}}
{{- range $key, $value := . -}}
{{- if and (hasSuffix "Secret" $key) (kindIs "map" $value) (hasKey $value "name") -}}
{{ $value.name }}
{{ else if and (hasSuffix "Secrets" $key) (kindIs "map" $value) -}}
{{- range $value }}
{{ .name }}
{{ end -}}
{{ else if kindIs "map" $value -}}
{{ include "kps.sourceSecretNames" $value }}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kps.sourceSecrets" -}}
{{- $names := list -}}
{{- range .Values.config.sources -}}
{{- range (include "kps.sourceSecretNames" . | splitList "\n") -}}
{{- if . -}}{{- $names = append $names . -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- $names | uniq | sortAlpha | toJson -}}
{{- end -}}

{{/* The configuration file the pods read (the same keys as deploy/base/config.yaml). */}}
{{- define "kps.config" -}}
{{- $config := deepCopy .Values.config -}}
{{- $sources := list -}}
{{- range .Values.config.sources -}}
{{- $sources = append $sources (include "kps.filesFromSecrets" . | fromYaml) -}}
{{- end -}}
{{- $_ := set $config "sources" $sources -}}
{{- $_ := set $config "grpcAddress" (printf "0.0.0.0:%v" .Values.ports.grpc) -}}
{{- $_ := set $config "httpAddress" (printf "0.0.0.0:%v" .Values.ports.http) -}}
{{- $push := default dict $config.push -}}
{{- $_ := set $push "peers" (printf "dns:///%s:%v" (include "kps.serviceHost" .) .Values.ports.http) -}}
{{- if .Values.webhook.existingSecret -}}
{{- $_ := set $push "alertmanagerTokenFile" (printf "%s/%s" (include "kps.webhookDir" .) .Values.webhook.key) -}}
{{- end -}}
{{- $_ := set $config "push" $push -}}
{{- if .Values.tls.enabled -}}
{{- $tls := omit .Values.tls "enabled" "existingSecret" "certManager" "clientSecretName" "clientCommonName" -}}
{{- $_ := set $tls "certFile" (printf "%s/tls.crt" (include "kps.tlsDir" .)) -}}
{{- $_ := set $tls "keyFile" (printf "%s/tls.key" (include "kps.tlsDir" .)) -}}
{{- $_ := set $tls "clientCaFile" (printf "%s/ca.crt" (include "kps.tlsDir" .)) -}}
{{- $_ := set $config "tls" $tls -}}
{{- end -}}
{{- toYaml $config -}}
{{- end -}}
