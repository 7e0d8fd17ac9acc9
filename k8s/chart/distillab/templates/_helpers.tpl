{{/* Names and labels shared by every object of the release. */}}
{{- define "distillab.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "distillab.labels" -}}
app.kubernetes.io/part-of: distillab
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The selector of one component: (dict "root" $ "name" "metrics-service"). */}}
{{- define "distillab.selector" -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/name: {{ .name }}
{{- end -}}

{{- define "distillab.secretName" -}}
{{- default (printf "%s-secrets" (include "distillab.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "distillab.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .name (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}

{{/*
The services' database passwords and the PostgreSQL superuser's, computed once per render (the
Secret and the checksum annotations must see the same values): given values win; otherwise the
value already in the release's Secret (lookup, so an upgrade keeps it); otherwise a new random one.
With an external server the chart cannot invent passwords: they are required.
*/}}
{{- define "distillab.secretData" -}}
{{- if not (hasKey .Values "_secretData") -}}
{{- $existing := dict -}}
{{- $found := lookup "v1" "Secret" .Release.Namespace (printf "%s-secrets" (include "distillab.fullname" .)) -}}
{{- if $found -}}{{- $existing = default dict $found.data -}}{{- end -}}
{{- $data := dict -}}
{{- $keys := dict "postgres-password" .Values.secrets.postgresPassword "metrics-database-password" .Values.secrets.metricsDatabasePassword "judge-database-password" .Values.secrets.judgeDatabasePassword "trainer-database-password" .Values.secrets.trainerDatabasePassword -}}
{{- range $key := keys $keys | sortAlpha -}}
{{- $given := get $keys $key -}}
{{- if $given -}}
{{- $_ := set $data $key ($given | b64enc) -}}
{{- else if hasKey $existing $key -}}
{{- $_ := set $data $key (get $existing $key) -}}
{{- else if $.Values.postgresql.enabled -}}
{{- $_ := set $data $key (randAlphaNum 32 | b64enc) -}}
{{- else if ne $key "postgres-password" -}}
{{- $_ := required (printf "secrets.%s is required with an external PostgreSQL (postgresql.enabled=false) unless secrets.existingSecret names a Secret" (camelcase (replace "-" "_" $key) | untitle)) "" -}}
{{- end -}}
{{- end -}}
{{- /* API keys: the first admin key of every service and the keys the services call each other
       with. Given, kept, or generated (dlk_ and 43 random characters), whatever the database. */ -}}
{{- $apiKeys := dict "bootstrap-admin-key" .Values.secrets.bootstrapAdminKey "metrics-judge-key" .Values.secrets.metricsToJudgeKey "trainer-metrics-key" .Values.secrets.trainerToMetricsKey -}}
{{- range $key := keys $apiKeys | sortAlpha -}}
{{- $given := get $apiKeys $key -}}
{{- if $given -}}
{{- $_ := set $data $key ($given | b64enc) -}}
{{- else if hasKey $existing $key -}}
{{- $_ := set $data $key (get $existing $key) -}}
{{- else -}}
{{- $_ := set $data $key (printf "dlk_%s" (randAlphaNum 43) | b64enc) -}}
{{- end -}}
{{- end -}}
{{- if .Values.secrets.judgeApiKey -}}
{{- $_ := set $data "judge-api-key" (.Values.secrets.judgeApiKey | b64enc) -}}
{{- end -}}
{{- $_ := set .Values "_secretData" $data -}}
{{- end -}}
{{- toYaml (get .Values "_secretData") -}}
{{- end -}}

{{/* A checksum of the Secret the pods read: a changed password rolls them. */}}
{{- define "distillab.secretChecksum" -}}
{{- if .Values.secrets.existingSecret -}}
{{- $found := lookup "v1" "Secret" .Release.Namespace .Values.secrets.existingSecret -}}
{{- printf "%s%s" .Values.secrets.existingSecret (toJson (default dict $found).data) | sha256sum -}}
{{- else -}}
{{- include "distillab.secretData" . | sha256sum -}}
{{- end -}}
{{- end -}}

{{/* jdbc:postgresql://HOST:PORT/DATABASE[?parameters] of one service: (dict "root" $ "db" .Values.metrics.database). */}}
{{- define "distillab.jdbcUrl" -}}
{{- $root := .root -}}
{{- $host := "" -}}
{{- $port := 5432 -}}
{{- if $root.Values.postgresql.enabled -}}
{{- $host = printf "%s-postgresql" (include "distillab.fullname" $root) -}}
{{- else -}}
{{- $host = required "postgresql.external.host is required when postgresql.enabled is false" $root.Values.postgresql.external.host -}}
{{- $port = $root.Values.postgresql.external.port -}}
{{- end -}}
{{- printf "jdbc:postgresql://%s:%v/%s" $host $port .db.name -}}
{{- with $root.Values.postgresql.external.parameters }}{{ printf "?%s" . }}{{ end -}}
{{- end -}}

{{/* The pod-level security context shared by the three services. */}}
{{- define "distillab.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
fsGroup: {{ .Values.podSecurity.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "distillab.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/*
The environment that gives a service its API keys from the Secret: (dict "root" $ "accepts" (list
(dict "name" "metrics-service" "role" "writer" "secretKey" "metrics-judge-key") ...) "sends" (dict ENV
secretKey)). Every key it accepts, and the bootstrap admin key, first as a variable of its own read
from the Secret, then listed in DISTILLAB_AUTH_BOOTSTRAP_KEYS (name:role:key) through Kubernetes'
$(VAR) references: the keys never appear in a value of the pod spec. The service stores their hashes
at start. The keys it sends to the services it calls come straight from the Secret.
*/}}
{{- define "distillab.apiKeyEnv" -}}
{{- $secret := include "distillab.secretName" .root -}}
{{- $env := list (dict "name" "DISTILLAB_KEY_BOOTSTRAP_ADMIN" "valueFrom" (dict "secretKeyRef" (dict "name" $secret "key" "bootstrap-admin-key"))) -}}
{{- $entries := list "bootstrap-admin:admin:$(DISTILLAB_KEY_BOOTSTRAP_ADMIN)" -}}
{{- range .accepts -}}
{{- $var := printf "DISTILLAB_KEY_FROM_%s" (.name | replace "-service" "" | upper) -}}
{{- $env = append $env (dict "name" $var "valueFrom" (dict "secretKeyRef" (dict "name" $secret "key" .secretKey))) -}}
{{- $entries = append $entries (printf "%s:%s:$(%s)" .name .role $var) -}}
{{- end -}}
{{- $env = append $env (dict "name" "DISTILLAB_AUTH_BOOTSTRAP_KEYS" "value" (join "," $entries)) -}}
{{- range $name := keys .sends | sortAlpha -}}
{{- $env = append $env (dict "name" $name "valueFrom" (dict "secretKeyRef" (dict "name" $secret "key" (get $.sends $name)))) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}
