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

{{- define "distillab.secretName" -}}
{{- default (printf "%s-secrets" (include "distillab.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "distillab.jdbcUrl" -}}
{{- if .Values.postgresql.enabled -}}
jdbc:postgresql://{{ include "distillab.fullname" . }}-postgresql:5432/{{ .Values.postgresql.database }}
{{- else -}}
{{- required "postgresql.external.host is required when postgresql.enabled is false" .Values.postgresql.external.host | printf "jdbc:postgresql://%s" -}}:{{ .Values.postgresql.external.port }}/{{ .Values.postgresql.database }}
{{- end -}}
{{- end -}}

{{/*
One service: Deployment, Service and (optionally) a HorizontalPodAutoscaler. Called with
(dict "root" $ "name" "metrics-service" "svc" .Values.metrics "env" (list ...) "gpu" bool).
Every service talks to PostgreSQL with the shared credentials and exposes Quarkus' health
endpoints, which the probes use.
*/}}
{{- define "distillab.service" -}}
{{- $root := .root -}}
{{- $full := printf "%s-%s" (include "distillab.fullname" $root) .name -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $full }}
  labels:
    {{- include "distillab.labels" $root | nindent 4 }}
    app.kubernetes.io/name: {{ .name }}
spec:
  {{- if not (and .svc.autoscaling .svc.autoscaling.enabled) }}
  replicas: {{ .svc.replicas }}
  {{- end }}
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ $root.Release.Name }}
      app.kubernetes.io/name: {{ .name }}
  template:
    metadata:
      labels:
        {{- include "distillab.labels" $root | nindent 8 }}
        app.kubernetes.io/name: {{ .name }}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/path: /q/metrics
        prometheus.io/port: {{ .svc.port | quote }}
    spec:
      {{- if .gpu }}
      nodeSelector:
        {{- toYaml .svc.nodeSelector | nindent 8 }}
      tolerations:
        {{- toYaml .svc.tolerations | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .name }}
          image: "{{ $root.Values.image.registry }}/{{ .name }}:{{ $root.Values.image.tag }}"
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ .svc.port }}
          env:
            - name: JAVA_OPTS_APPEND
              value: {{ .svc.javaOpts | quote }}
            - name: QUARKUS_DATASOURCE_JDBC_URL
              value: {{ include "distillab.jdbcUrl" $root | quote }}
            - name: QUARKUS_DATASOURCE_USERNAME
              value: {{ $root.Values.postgresql.username | quote }}
            - name: QUARKUS_DATASOURCE_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ include "distillab.secretName" $root }}
                  key: database-password
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          readinessProbe:
            httpGet: {path: /q/health/ready, port: http}
            periodSeconds: 5
          livenessProbe:
            httpGet: {path: /q/health/live, port: http}
            initialDelaySeconds: 30
            periodSeconds: 10
          resources:
            {{- $res := deepCopy .svc.resources }}
            {{- if .gpu }}
            {{- $_ := set $res.limits "nvidia.com/gpu" .svc.gpus }}
            {{- end }}
            {{- toYaml $res | nindent 12 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $full }}
  labels:
    {{- include "distillab.labels" $root | nindent 4 }}
    app.kubernetes.io/name: {{ .name }}
spec:
  selector:
    app.kubernetes.io/instance: {{ $root.Release.Name }}
    app.kubernetes.io/name: {{ .name }}
  ports:
    - name: http
      port: 80
      targetPort: http
{{- if and .svc.autoscaling .svc.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $full }}
  labels:
    {{- include "distillab.labels" $root | nindent 4 }}
    app.kubernetes.io/name: {{ .name }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $full }}
  minReplicas: {{ .svc.autoscaling.minReplicas }}
  maxReplicas: {{ .svc.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .svc.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end -}}
