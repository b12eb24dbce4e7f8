{{- define "nodescope.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "nodescope.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "nodescope.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "nodescope.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "nodescope.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nodescope.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "nodescope.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "nodescope.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "nodescope.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "nodescope.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "nodescope.image" -}}
{{- if not .Values.image.repository }}
{{- fail "image.repository is required: no image is published, build one from agent/target/nodescope-agent.jar (helm/nodescope/README.md)" }}
{{- end }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Audience of the IRSA token: explicit, else the China partition's STS in cn-* regions. */}}
{{- define "nodescope.irsaAudience" -}}
{{- if .Values.cloudwatch.audience }}
{{- .Values.cloudwatch.audience }}
{{- else if hasPrefix "cn-" .Values.cloudwatch.region }}
{{- "sts.amazonaws.com.cn" }}
{{- end }}
{{- end }}

{{/* Host paths as the container sees them. */}}
{{- define "nodescope.hostMount" -}}
{{- printf "/host/%s" . }}
{{- end }}

{{- define "nodescope.neuronFifo" -}}
/run/nodescope-neuron/reports
{{- end }}

{{- define "nodescope.args" -}}
- --web.listen-address=:{{ .Values.port }}
- --path.procfs=/host/proc
- --path.sysfs=/host/sys
{{- if .Values.hostPaths.root }}
- --path.rootfs=/host/root
{{- end }}
- --kubelet.pod-resources-socket={{ .Values.hostPaths.podResources }}/kubelet.sock
- --log.level={{ .Values.log.level }}
- --log.format={{ .Values.log.format }}
{{- range $name, $enabled := .Values.collectors }}
- --{{ if not $enabled }}no-{{ end }}collector.{{ $name }}
{{- end }}
{{- if .Values.flows.enableAccounting }}
- --collector.flows.enable-accounting
{{- end }}
{{- if .Values.flows.cilium.enabled }}
- --collector.flows.cilium-bpf-path={{ .Values.flows.cilium.bpfFilesystem }}/tc/globals
- --collector.flows.cilium-version={{ .Values.flows.cilium.version }}
{{- end }}
{{- if eq .Values.neuron.mode "disabled" }}
- --no-collector.neuron
{{- else if eq .Values.neuron.mode "sidecar" }}
- --collector.neuron.reports-file={{ include "nodescope.neuronFifo" . }}
{{- else if ne .Values.neuron.command "neuron-monitor" }}
- {{ printf "--collector.neuron.command=%s" .Values.neuron.command | quote }}
{{- end }}
{{- if .Values.cloudwatch.enabled }}
- --cloudwatch.enabled
- --cloudwatch.region={{ required "cloudwatch.region is required when cloudwatch.enabled" .Values.cloudwatch.region }}
- --cloudwatch.cluster-name={{ required "cloudwatch.clusterName is required when cloudwatch.enabled" .Values.cloudwatch.clusterName }}
- --cloudwatch.interval={{ .Values.cloudwatch.interval }}
{{- end }}
{{- if .Values.health.nodeConditions }}
- --health.node-conditions
{{- end }}
{{- if .Values.health.taint }}
- {{ printf "--health.taint=%s" .Values.health.taint | quote }}
{{- end }}
{{- range .Values.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end }}
