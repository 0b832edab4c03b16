package manifests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/releasebot/releasebot/config"
)

// The few fields of the rendered objects the checks read.
type (
	object struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		AutomountServiceAccountToken *bool             `json:"automountServiceAccountToken"`
		Data                         map[string]string `json:"data"`
		Spec                         spec              `json:"spec"`
	}
	spec struct {
		// Deployment
		Replicas *int `json:"replicas"`
		Strategy struct {
			Type string `json:"type"`
		} `json:"strategy"`
		Selector *selector `json:"selector"`
		Template struct {
			Metadata struct {
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
			Spec podSpec `json:"spec"`
		} `json:"template"`
		// PodDisruptionBudget
		MinAvailable   any `json:"minAvailable"`
		MaxUnavailable any `json:"maxUnavailable"`
		// NetworkPolicy
		PodSelector *selector `json:"podSelector"`
		PolicyTypes []string  `json:"policyTypes"`
		Ingress     []netRule `json:"ingress"`
		Egress      []netRule `json:"egress"`
		// Service
		Ports []struct {
			Port       int `json:"port"`
			TargetPort any `json:"targetPort"`
		} `json:"ports"`
	}
	// selector reads a label selector (matchLabels) or, for a Service, a
	// plain map of labels.
	selector struct {
		MatchLabels map[string]string
	}
	podSpec struct {
		ServiceAccountName           string `json:"serviceAccountName"`
		AutomountServiceAccountToken *bool  `json:"automountServiceAccountToken"`
		SecurityContext              struct {
			RunAsNonRoot *bool `json:"runAsNonRoot"`
		} `json:"securityContext"`
		TopologySpreadConstraints []struct {
			TopologyKey   string   `json:"topologyKey"`
			LabelSelector selector `json:"labelSelector"`
		} `json:"topologySpreadConstraints"`
		Containers []container `json:"containers"`
		Volumes    []struct {
			Name                  string `json:"name"`
			PersistentVolumeClaim *struct {
				ClaimName string `json:"claimName"`
			} `json:"persistentVolumeClaim"`
		} `json:"volumes"`
	}
	container struct {
		Image string `json:"image"`
		Ports []struct {
			Name          string `json:"name"`
			ContainerPort int    `json:"containerPort"`
		} `json:"ports"`
		Env []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"env"`
		EnvFrom []struct {
			ConfigMapRef *struct {
				Name string `json:"name"`
			} `json:"configMapRef"`
			SecretRef *struct {
				Name string `json:"name"`
			} `json:"secretRef"`
		} `json:"envFrom"`
		StartupProbe   *probe `json:"startupProbe"`
		ReadinessProbe *probe `json:"readinessProbe"`
		LivenessProbe  *probe `json:"livenessProbe"`
		Resources      struct {
			Requests map[string]string `json:"requests"`
			Limits   map[string]string `json:"limits"`
		} `json:"resources"`
		SecurityContext struct {
			RunAsNonRoot             *bool `json:"runAsNonRoot"`
			ReadOnlyRootFilesystem   *bool `json:"readOnlyRootFilesystem"`
			AllowPrivilegeEscalation *bool `json:"allowPrivilegeEscalation"`
			Capabilities             struct {
				Drop []string `json:"drop"`
			} `json:"capabilities"`
		} `json:"securityContext"`
		VolumeMounts []struct {
			Name      string `json:"name"`
			MountPath string `json:"mountPath"`
		} `json:"volumeMounts"`
	}
	probe struct {
		HTTPGet struct {
			Path string `json:"path"`
			Port any    `json:"port"`
		} `json:"httpGet"`
	}
	netRule struct {
		Ports []struct {
			Protocol string `json:"protocol"`
			Port     int    `json:"port"`
		} `json:"ports"`
	}
)

// render builds an overlay the way `kubectl apply -k` would and returns
// its objects by kind (each kind appears once).
func render(t *testing.T, overlay string) map[string]object {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resources, err := k.Run(filesys.MakeFsOnDisk(), "kubernetes/overlays/"+overlay)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", overlay, err)
	}
	out := map[string]object{}
	for _, r := range resources.Resources() {
		raw, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		var o object
		if err := yaml.Unmarshal(raw, &o); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if _, dup := out[o.Kind]; dup {
			t.Fatalf("%s renders two %s objects", overlay, o.Kind)
		}
		out[o.Kind] = o
	}
	return out
}

func (s *selector) UnmarshalJSON(b []byte) error {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	s.MatchLabels = map[string]string{}
	if ml, ok := raw["matchLabels"].(map[string]any); ok {
		raw = ml
	}
	for k, v := range raw {
		if str, ok := v.(string); ok {
			s.MatchLabels[k] = str
		}
	}
	return nil
}

func kinds(objs map[string]object) []string {
	var out []string
	for k := range objs {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func replicas(d object) string {
	if d.Spec.Replicas == nil {
		return "unset"
	}
	return fmt.Sprint(*d.Spec.Replicas)
}

func isFalse(b *bool) bool { return b != nil && !*b }
func isTrue(b *bool) bool  { return b != nil && *b }

func TestSQLiteOverlay(t *testing.T) {
	objs := render(t, "sqlite")
	checkCommon(t, objs, "PersistentVolumeClaim")
	d := objs["Deployment"]
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("replicas %s: SQLite allows one writer process", replicas(d))
	}
	if d.Spec.Strategy.Type != "Recreate" {
		t.Errorf("strategy %q: the old pod must let go of the file before the new one opens it", d.Spec.Strategy.Type)
	}
	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	url := envValue(c, "DATABASE_URL")
	mount := mountPath(c, "data")
	if mount == "" || url != "sqlite:"+mount+"/releasebot.db" {
		t.Errorf("DATABASE_URL %q is not a file on the data volume (mounted at %q)", url, mount)
	}
	claim := ""
	for _, v := range pod.Volumes {
		if v.Name == "data" && v.PersistentVolumeClaim != nil {
			claim = v.PersistentVolumeClaim.ClaimName
		}
	}
	if pvc := objs["PersistentVolumeClaim"].Metadata.Name; claim == "" || claim != pvc {
		t.Errorf("data volume claims %q, the overlay's claim is %q", claim, pvc)
	}
	if len(pod.TopologySpreadConstraints) != 0 {
		t.Error("one replica has nothing to spread")
	}
	if hasEgressPort(objs["NetworkPolicy"], 5432) {
		t.Error("SQLite needs no egress to PostgreSQL")
	}
}

func TestPostgresOverlay(t *testing.T) {
	objs := render(t, "postgres")
	checkCommon(t, objs, "PodDisruptionBudget")
	d := objs["Deployment"]
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("replicas %s, want several", replicas(d))
	}
	podLabels := d.Spec.Template.Metadata.Labels
	pdb := objs["PodDisruptionBudget"]
	if fmt.Sprint(pdb.Spec.MaxUnavailable) != "1" && fmt.Sprint(pdb.Spec.MinAvailable) != "1" {
		t.Errorf("PodDisruptionBudget minAvailable %v maxUnavailable %v", pdb.Spec.MinAvailable, pdb.Spec.MaxUnavailable)
	}
	if pdb.Spec.Selector == nil || !matches(pdb.Spec.Selector.MatchLabels, podLabels) {
		t.Errorf("PodDisruptionBudget selects %v, pods are %v", pdb.Spec.Selector, podLabels)
	}
	pod := d.Spec.Template.Spec
	keys := map[string]bool{}
	for _, c := range pod.TopologySpreadConstraints {
		keys[c.TopologyKey] = true
		if !matches(c.LabelSelector.MatchLabels, podLabels) {
			t.Errorf("spread over %s selects %v, pods are %v", c.TopologyKey, c.LabelSelector.MatchLabels, podLabels)
		}
	}
	if !keys["kubernetes.io/hostname"] || !keys["topology.kubernetes.io/zone"] {
		t.Errorf("topology spread over %v, want nodes and zones", keys)
	}
	if v := envValue(pod.Containers[0], "DATABASE_URL"); v != "" {
		t.Errorf("DATABASE_URL %q in the manifests: it carries a password and belongs in the Secret", v)
	}
	if !hasEgressPort(objs["NetworkPolicy"], 5432) {
		t.Error("the NetworkPolicy does not let the bot reach PostgreSQL")
	}
}

// Both overlays run the same image with the same settings.
func TestOverlaysAgree(t *testing.T) {
	a, b := render(t, "sqlite"), render(t, "postgres")
	ca, cb := a["Deployment"].Spec.Template.Spec.Containers[0], b["Deployment"].Spec.Template.Spec.Containers[0]
	if ca.Image != cb.Image || !strings.HasPrefix(ca.Image, "ghcr.io/releasebot/releasebot:") {
		t.Errorf("images %q and %q", ca.Image, cb.Image)
	}
	if fmt.Sprint(a["ConfigMap"].Data) != fmt.Sprint(b["ConfigMap"].Data) {
		t.Errorf("settings differ:\n%v\n%v", a["ConfigMap"].Data, b["ConfigMap"].Data)
	}
}

// checkCommon checks what every overlay must hold.
func checkCommon(t *testing.T, objs map[string]object, extra string) {
	t.Helper()
	want := []string{"ConfigMap", "Deployment", "NetworkPolicy", "Service", "ServiceAccount", extra}
	slices.Sort(want)
	// No Secret, not even a template: applying the folder again must never
	// replace the tokens the operator stored.
	if got := kinds(objs); !slices.Equal(got, want) {
		t.Fatalf("renders %v, want %v", got, want)
	}
	d := objs["Deployment"]
	pod := d.Spec.Template.Spec
	podLabels := d.Spec.Template.Metadata.Labels
	if d.Spec.Selector == nil || !matches(d.Spec.Selector.MatchLabels, podLabels) {
		t.Errorf("Deployment selects %v, pods are %v", d.Spec.Selector, podLabels)
	}
	sa := objs["ServiceAccount"]
	if !isFalse(sa.AutomountServiceAccountToken) || !isFalse(pod.AutomountServiceAccountToken) || pod.ServiceAccountName != sa.Metadata.Name {
		t.Errorf("service account %q (automount %v), pod uses %q (automount %v)", sa.Metadata.Name, sa.AutomountServiceAccountToken, pod.ServiceAccountName, pod.AutomountServiceAccountToken)
	}
	if !isTrue(pod.SecurityContext.RunAsNonRoot) {
		t.Error("pod may run as root")
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	checkContainer(t, c)
	checkEnv(t, objs, c)
	checkNetwork(t, objs, podLabels)
}

func checkContainer(t *testing.T, c container) {
	t.Helper()
	for name, p := range map[string]struct {
		probe *probe
		path  string
	}{"startup": {c.StartupProbe, "/healthz"}, "readiness": {c.ReadinessProbe, "/readyz"}, "liveness": {c.LivenessProbe, "/healthz"}} {
		if p.probe == nil || p.probe.HTTPGet.Path != p.path || fmt.Sprint(p.probe.HTTPGet.Port) != "http" {
			t.Errorf("%s probe %+v, want GET %s on port http", name, p.probe, p.path)
		}
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("ports %+v", c.Ports)
	}
	sc := c.SecurityContext
	if !isTrue(sc.RunAsNonRoot) || !isTrue(sc.ReadOnlyRootFilesystem) || !isFalse(sc.AllowPrivilegeEscalation) || !slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) {
		t.Errorf("container security context %+v", sc)
	}
	if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
		t.Errorf("resources %+v", c.Resources)
	}
}

// checkEnv: settings from the generated ConfigMap, credentials from the
// operator's Secret, and every setting one the bot knows.
func checkEnv(t *testing.T, objs map[string]object, c container) {
	t.Helper()
	var configMaps, secrets []string
	for _, e := range c.EnvFrom {
		if e.ConfigMapRef != nil {
			configMaps = append(configMaps, e.ConfigMapRef.Name)
		}
		if e.SecretRef != nil {
			secrets = append(secrets, e.SecretRef.Name)
		}
	}
	cm := objs["ConfigMap"]
	if !slices.Equal(configMaps, []string{cm.Metadata.Name}) {
		t.Errorf("envFrom ConfigMaps %v, rendered %q", configMaps, cm.Metadata.Name)
	}
	if !slices.Equal(secrets, []string{"releasebot"}) {
		t.Errorf("envFrom Secrets %v, want the operator's \"releasebot\"", secrets)
	}
	var usage bytes.Buffer
	if err := config.Usage(&usage); err != nil {
		t.Fatal(err)
	}
	if _, ok := cm.Data["ADMINS"]; !ok {
		t.Error("the ConfigMap has no ADMINS to fill in")
	}
	for key, value := range cm.Data {
		if !strings.Contains(usage.String(), key+" ") {
			t.Errorf("ConfigMap sets %s, which releasebot does not read", key)
		}
		if strings.HasPrefix(key, "SLACK_") && strings.HasSuffix(key, "_TOKEN") || strings.Contains(value, "xox") {
			t.Errorf("ConfigMap holds a credential in %s", key)
		}
	}
	if addr := cm.Data["HTTP_ADDR"]; addr != "" && addr != fmt.Sprintf(":%d", c.Ports[0].ContainerPort) {
		t.Errorf("HTTP_ADDR %q, container port %d", addr, c.Ports[0].ContainerPort)
	}
}

func checkNetwork(t *testing.T, objs map[string]object, podLabels map[string]string) {
	t.Helper()
	svc := objs["Service"]
	if svc.Spec.Selector == nil || !matches(svc.Spec.Selector.MatchLabels, podLabels) {
		t.Errorf("Service selects %v, pods are %v", svc.Spec.Selector, podLabels)
	}
	np := objs["NetworkPolicy"]
	if np.Spec.PodSelector == nil || !matches(np.Spec.PodSelector.MatchLabels, podLabels) {
		t.Errorf("NetworkPolicy selects %v, pods are %v", np.Spec.PodSelector, podLabels)
	}
	if !slices.Contains(np.Spec.PolicyTypes, "Ingress") || !slices.Contains(np.Spec.PolicyTypes, "Egress") {
		t.Errorf("policy types %v", np.Spec.PolicyTypes)
	}
	for _, r := range np.Spec.Ingress {
		if len(r.Ports) != 1 || r.Ports[0].Port != 8080 {
			t.Errorf("ingress allows ports %+v, want only the HTTP port", r.Ports)
		}
	}
	for _, r := range np.Spec.Egress {
		if len(r.Ports) == 0 {
			t.Error("an egress rule allows every port")
		}
		for _, p := range r.Ports {
			if p.Port != 53 && p.Port != 443 && p.Port != 5432 {
				t.Errorf("egress to port %d", p.Port)
			}
		}
	}
	if !hasEgressPort(np, 53) || !hasEgressPort(np, 443) {
		t.Error("egress lacks DNS or HTTPS to Slack")
	}
}

func hasEgressPort(np object, port int) bool {
	for _, r := range np.Spec.Egress {
		for _, p := range r.Ports {
			if p.Port == port {
				return true
			}
		}
	}
	return false
}

// matches reports whether a selector's labels all appear on the pods.
func matches(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func envValue(c container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func mountPath(c container, volume string) string {
	for _, m := range c.VolumeMounts {
		if m.Name == volume {
			return m.MountPath
		}
	}
	return ""
}
