"""JSON Schema services shared by the stages: the Kubernetes schema data per version lives in ``kube``."""
