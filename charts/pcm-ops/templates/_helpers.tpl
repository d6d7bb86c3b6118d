{{- define "pcm-ops.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 50 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "pcm-ops.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "pcm-ops.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "pcm-ops.image" -}}
{{ printf "%s/%s/%s:%s" .root.Values.image.registry .root.Values.image.repository .component (default .root.Chart.AppVersion .root.Values.image.tag) }}
{{- end -}}

{{- define "pcm-ops.operatorServiceAccount" -}}
{{- default (printf "%s-operator" (include "pcm-ops.fullname" .)) .Values.operator.serviceAccount.name -}}
{{- end -}}

{{- define "pcm-ops.consoleServiceAccount" -}}
{{- default (printf "%s-console" (include "pcm-ops.fullname" .)) .Values.console.serviceAccount.name -}}
{{- end -}}

{{/* Restricted pod security: non-root, no privilege escalation, no capabilities, read-only root. */}}
{{- define "pcm-ops.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The rules of one document of files/operator-rbac.yaml, by kind. */}}
{{- define "pcm-ops.operatorRules" -}}
{{- $kind := .kind -}}
{{- range $doc := splitList "\n---\n" (.root.Files.Get "files/operator-rbac.yaml") -}}
{{- $object := fromYaml $doc -}}
{{- if eq (get $object "kind") $kind -}}
{{ toYaml (get $object "rules") }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the console's session secret: the user's own, or the generated one. */}}
{{- define "pcm-ops.consoleSessionSecret" -}}
{{- default (printf "%s-console-session" (include "pcm-ops.fullname" .)) .Values.console.session.existingSecret -}}
{{- end -}}

{{- define "pcm-ops.consoleSessionKey" -}}
{{- if .Values.console.session.existingSecret -}}{{ .Values.console.session.existingSecretKey }}{{- else -}}session-secret{{- end -}}
{{- end -}}

{{/* "true" when the chart's own Ingress terminates TLS in front of the console. */}}
{{- define "pcm-ops.consoleBehindTls" -}}
{{- and .Values.console.ingress.enabled (ne .Values.console.ingress.tlsSecretName "") | toString -}}
{{- end -}}

{{- define "pcm-ops.consoleSecureCookies" -}}
{{- $v := .Values.console.secureCookies | toString -}}
{{- if eq $v "auto" -}}{{ include "pcm-ops.consoleBehindTls" . }}{{- else -}}{{ $v }}{{- end -}}
{{- end -}}

{{- define "pcm-ops.consoleTrustProxy" -}}
{{- $v := .Values.console.trustProxy | toString -}}
{{- if eq $v "auto" -}}{{ .Values.console.ingress.enabled | toString }}{{- else -}}{{ $v }}{{- end -}}
{{- end -}}
