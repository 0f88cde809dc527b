{{/* Names and labels shared by the chart's templates. */}}

{{/* The chart's name, or nameOverride. */}}
{{- define "onlinemeeting-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every resource's name: fullnameOverride, or release and chart name without repeating it. */}}
{{- define "onlinemeeting-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "onlinemeeting-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every resource. */}}
{{- define "onlinemeeting-operator.labels" -}}
helm.sh/chart: {{ include "onlinemeeting-operator.chart" . }}
{{ include "onlinemeeting-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels the Deployment, Service and ServiceMonitor select the pods by. */}}
{{- define "onlinemeeting-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "onlinemeeting-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "onlinemeeting-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "onlinemeeting-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "onlinemeeting-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
