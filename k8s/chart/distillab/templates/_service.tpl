{{/*
One service: ServiceAccount, ConfigMap, Deployment and Service. Called with
  (dict "root" $ "name" "metrics-service" "svc" .Values.metrics "secretKey" "metrics-database-password"
        "config" (dict ENV value ...) "gpu" bool "autoscaled" bool "kubernetesApi" bool)
The ConfigMap holds the service's plain settings (environment variables Quarkus maps onto its
properties); the database password comes from the Secret. Both are hashed into the pod template's
annotations so that a change rolls the pods.
*/}}
{{- define "distillab.service" -}}
{{- $root := .root -}}
{{- $full := printf "%s-%s" (include "distillab.fullname" $root) .name -}}
{{- $config := merge (dict
      "QUARKUS_DATASOURCE_JDBC_URL" (include "distillab.jdbcUrl" (dict "root" $root "db" .svc.database))
      "QUARKUS_DATASOURCE_USERNAME" .svc.database.username
      "DISTILLAB_EMBEDDED_POSTGRES_ENABLED" "false"
      "DISTILLAB_METRICS_ACCESS" $root.Values.operations.metricsAccess
      "DISTILLAB_SWAGGER_UI_ENABLED" (toString $root.Values.operations.swaggerUi)
      "JDK_JAVA_OPTIONS" .svc.javaOpts) .config -}}
{{- /* JWTs from an OIDC issuer (service-support README, "Authentication"): only when configured;
       without these the services accept API keys alone. */ -}}
{{- $oidc := $root.Values.auth.oidc -}}
{{- if or $oidc.issuer $oidc.jwksUrl $oidc.rolesClaim $oidc.audience -}}
{{- if not (and $oidc.issuer $oidc.jwksUrl) -}}
{{- fail "auth.oidc.issuer and auth.oidc.jwksUrl go together (and auth.oidc.rolesClaim and audience need them): set both for JWTs, or none for API keys only" -}}
{{- end -}}
{{- $_ := set $config "DISTILLAB_AUTH_JWT_ISSUER" $oidc.issuer -}}
{{- $_ := set $config "DISTILLAB_AUTH_JWT_JWKS_URL" $oidc.jwksUrl -}}
{{- with $oidc.rolesClaim }}{{ $_ := set $config "DISTILLAB_AUTH_ROLES_CLAIM" . }}{{ end -}}
{{- with $oidc.audience }}{{ $_ := set $config "DISTILLAB_AUTH_JWT_AUDIENCE" . }}{{ end -}}
{{- end -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $full }}
  labels:
    {{- include "distillab.labels" $root | nindent 4 }}
    app.kubernetes.io/name: {{ .name }}
automountServiceAccountToken: {{ .kubernetesApi }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $full }}
  labels:
    {{- include "distillab.labels" $root | nindent 4 }}
    app.kubernetes.io/name: {{ .name }}
data:
  {{- range $key := keys $config | sortAlpha }}
  {{ $key }}: {{ get $config $key | toString | quote }}
  {{- end }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $full }}
  labels:
    {{- include "distillab.labels" $root | nindent 4 }}
    app.kubernetes.io/name: {{ .name }}
spec:
  {{- if not .autoscaled }}
  replicas: {{ .svc.replicas }}
  {{- end }}
  {{- if .gpu }}
  # One trainer at a time on the model store and the GPUs: the old pod goes before the new one comes.
  strategy:
    type: Recreate
  {{- end }}
  selector:
    matchLabels:
      {{- include "distillab.selector" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "distillab.labels" $root | nindent 8 }}
        app.kubernetes.io/name: {{ .name }}
      annotations:
        checksum/config: {{ toJson $config | sha256sum }}
        checksum/secret: {{ include "distillab.secretChecksum" $root }}
        prometheus.io/scrape: "true"
        prometheus.io/path: /q/metrics
        prometheus.io/port: {{ .svc.port | quote }}
    spec:
      serviceAccountName: {{ $full }}
      automountServiceAccountToken: {{ .kubernetesApi }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      securityContext:
        {{- include "distillab.podSecurityContext" $root | nindent 8 }}
      {{- with .svc.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .svc.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if eq (default "none" .svc.antiAffinity) "soft" }}
      affinity:
        # Replicas spread over nodes where they can: one node going down takes one replica.
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    {{- include "distillab.selector" . | nindent 20 }}
      {{- else if eq (default "none" .svc.antiAffinity) "hard" }}
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - topologyKey: kubernetes.io/hostname
              labelSelector:
                matchLabels:
                  {{- include "distillab.selector" . | nindent 18 }}
      {{- end }}
      containers:
        - name: {{ .name }}
          image: {{ include "distillab.image" . | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            # REST and gRPC share this port (quarkus.grpc.server.use-separate-server=false).
            - name: http
              containerPort: {{ .svc.port }}
          envFrom:
            - configMapRef:
                name: {{ $full }}
          env:
            - name: QUARKUS_HTTP_PORT
              value: {{ .svc.port | quote }}
            - name: QUARKUS_DATASOURCE_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ include "distillab.secretName" $root }}
                  key: {{ .secretKey }}
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          securityContext:
            {{- include "distillab.containerSecurityContext" $root | nindent 12 }}
          startupProbe:
            httpGet: {path: /q/health/started, port: http}
            periodSeconds: 5
            failureThreshold: 60
          readinessProbe:
            httpGet: {path: /q/health/ready, port: http}
            periodSeconds: 5
          livenessProbe:
            httpGet: {path: /q/health/live, port: http}
            periodSeconds: 10
            failureThreshold: 3
          resources:
            {{- $res := deepCopy .svc.resources }}
            {{- if and .gpu (gt (int .svc.gpus) 0) }}
            {{- $_ := set $res.limits "nvidia.com/gpu" .svc.gpus }}
            {{- end }}
            {{- toYaml $res | nindent 12 }}
          volumeMounts:
            # The root file system is read-only; Java, Vert.x and the native libraries unpacked
            # from jars (ONNX runtime, JCuda) write here.
            - name: tmp
              mountPath: /tmp
            {{- with .volumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            medium: Memory
            sizeLimit: 1Gi
        {{- with .volumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
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
    {{- include "distillab.selector" . | nindent 4 }}
  ports:
    - name: http
      port: 80
      targetPort: http
      appProtocol: http
    # gRPC (HTTP/2 without TLS) is served on the same container port as REST.
    - name: grpc
      port: 9000
      targetPort: http
      appProtocol: kubernetes.io/h2c
{{- if and .svc.podDisruptionBudget .svc.podDisruptionBudget.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $full }}
  labels:
    {{- include "distillab.labels" $root | nindent 4 }}
    app.kubernetes.io/name: {{ .name }}
spec:
  maxUnavailable: {{ .svc.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "distillab.selector" . | nindent 6 }}
{{- end }}
{{- end -}}
