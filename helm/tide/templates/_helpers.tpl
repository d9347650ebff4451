{{/*
Helpers of Tide's chart. The templates keep to the subset of Helm's template
language that scripts/render-chart.py implements (see its header): value
lookups, default, quote, required, include, toYaml, nindent, if/else, range.
*/}}

{{/* Labels on every object. */}}
{{- define "tide.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}

{{/* The labels selectors match on (with app.kubernetes.io/component beside them). */}}
{{- define "tide.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Where docker/<service>.Dockerfile's images were pushed: no default, as none is published. */}}
{{- define "tide.registry" -}}
{{ required "image.registry: the registry holding tide-<service> images (built from docker/<service>.Dockerfile)" .Values.image.registry }}
{{- end }}

{{/* The tag of Tide's images: image.tag, else the chart's appVersion. */}}
{{- define "tide.imageTag" -}}
{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* The Secret the services read their credentials and connection URIs from. */}}
{{- define "tide.secretName" -}}
{{- if .Values.auth.existingSecret -}}
{{ .Values.auth.existingSecret }}
{{- else -}}
{{ .Release.Name }}-secrets
{{- end }}
{{- end }}

{{/* The scheduler's ServiceAccount: the only one with Kubernetes API rights. */}}
{{- define "tide.schedulerServiceAccount" -}}
{{ .Release.Name }}-scheduler
{{- end }}

{{- define "tide.trainingServiceAccount" -}}
{{ .Release.Name }}-training-service
{{- end }}

{{/* Prometheus annotations of a pod serving /metrics on the port "http". */}}
{{- define "tide.prometheusAnnotations" -}}
prometheus.io/scrape: "true"
prometheus.io/path: /metrics
{{- end }}

{{/* Pod-level settings shared by Tide's own pods. */}}
{{- define "tide.podSettings" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
{{- if .Values.imagePullSecrets }}
imagePullSecrets:
{{- range .Values.imagePullSecrets }}
  - name: {{ . | quote }}
{{- end }}
{{- end }}
{{- if .Values.nodeSelector }}
nodeSelector:
  {{- toYaml .Values.nodeSelector | nindent 2 }}
{{- end }}
{{- if .Values.tolerations }}
tolerations:
  {{- toYaml .Values.tolerations | nindent 2 }}
{{- end }}
{{- end }}

{{/* A container's security context: no privileges, nothing to escalate to. */}}
{{- define "tide.containerSecurityContext" -}}
securityContext:
  allowPrivilegeEscalation: false
  capabilities:
    drop: [ALL]
{{- end }}

{{/* Liveness on /healthz and readiness on /readyz, on the container port "http". */}}
{{- define "tide.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  initialDelaySeconds: 5
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /readyz
    port: http
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end }}

{{/* The environment entries naming the databases, from the Secret. */}}
{{- define "tide.env.mongo" -}}
- name: TIDE_MONGO_URI
  valueFrom:
    secretKeyRef:
      name: {{ include "tide.secretName" . }}
      key: TIDE_MONGO_URI
{{- end }}

{{- define "tide.env.amqp" -}}
- name: TIDE_AMQP_URI
  valueFrom:
    secretKeyRef:
      name: {{ include "tide.secretName" . }}
      key: TIDE_AMQP_URI
{{- end }}

{{- define "tide.env.jobTokenSecret" -}}
- name: TIDE_JOB_TOKEN_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "tide.secretName" . }}
      key: TIDE_JOB_TOKEN_SECRET
{{- end }}

{{/* The training service's Service URL, which workers report progress to. */}}
{{- define "tide.apiURL" -}}
http://{{ .Release.Name }}-training-service.{{ .Release.Namespace }}.svc:55587
{{- end }}
