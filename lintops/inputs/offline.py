"""The environment helm, kustomize and kubectl run in: no cluster, no network, no git transport, no secrets.

A merge-request job holds secrets in its environment (registry credentials, deploy tokens), a
kubeconfig, an ssh agent and proxy settings; the linted tree is its author's. The renderers are the
only programs lintops starts, and each of them can reach out: kustomize fetches ``http(s)`` files and
runs ``git`` (which runs ``ssh``), the kubectl dispatcher asks the cluster of the kubeconfig for its
version before it builds anything, Helm reads its repository and registry configuration. So a child
process never inherits the parent's environment: it gets a fresh one, built here, in which

- only ``PATH``, the locale (``LANG``, ``LC_*``) and ``TMPDIR`` come from the parent, so no token,
  ``SSH_AUTH_SOCK``, ``KUBECONFIG``, ``KUBERNETES_SERVICE_HOST`` or ``GIT_CONFIG_*`` reaches the child;
- ``HOME``, the XDG directories and Helm's cache, configuration, data, plugin and registry paths are
  inside a new directory, so the runner's own ``~/.kube``, ``~/.gitconfig``, ``~/.ssh`` and
  ``~/.docker`` are never read;
- ``KUBECONFIG`` names a kubeconfig inside that directory whose only cluster is ``127.0.0.1:0``, a port
  nothing can listen on. (An empty kubeconfig is not enough: kubectl then falls back to
  ``localhost:8080``, and the kubectl dispatcher connects there to choose a version.);
- every proxy variable points at ``127.0.0.1:0`` and ``NO_PROXY`` is empty, so a client that honours
  proxies cannot reach a remote host (Go skips proxies for loopback addresses, which is why the
  remote forms are also refused before a renderer runs);
- git can use no transport at all (``GIT_ALLOW_PROTOCOL`` names none), never prompts, has no ``ssh``
  (``GIT_SSH``/``GIT_SSH_COMMAND`` are ``false``) and reads no system or global configuration.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["BLOCKED_ADDRESS", "offline_environment"]

#: Where proxies and the cluster point: a TCP port no process can listen on, so a connection is refused.
BLOCKED_ADDRESS = "127.0.0.1:0"
#: A protocol name that no git transport has: git then allows none (``http``, ``ssh``, ``file``, ``ext`` ...).
_NO_GIT_PROTOCOL = "none"
_PARENT_NAMES = ("PATH", "LANG", "LANGUAGE", "TMPDIR")
#: Needed by programs on Windows to start at all; none of them holds a secret.
_WINDOWS_NAMES = ("SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT")
_PROXY_NAMES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "FTP_PROXY", "GRPC_PROXY")
_KUBECONFIG = f"""\
apiVersion: v1
kind: Config
clusters:
  - name: offline
    cluster:
      server: https://{BLOCKED_ADDRESS}
contexts:
  - name: offline
    context:
      cluster: offline
      user: offline
users:
  - name: offline
    user: {{}}
current-context: offline
"""


def offline_environment(scratch: Path) -> dict[str, str]:
    """A fresh environment for a renderer's child process, with its home in a new directory under ``scratch``.

    ``scratch`` is a temporary directory the caller owns and removes (the home goes with it); the
    returned mapping is meant for ``subprocess.run(..., env=...)`` and holds nothing of the parent's
    environment beyond ``PATH``, the locale and ``TMPDIR``.
    """
    home = Path(tempfile.mkdtemp(prefix="home-", dir=scratch))
    env = {name: value for name, value in os.environ.items()
           if name in _PARENT_NAMES or name.startswith("LC_")
           or (os.name == "nt" and name.upper() in _WINDOWS_NAMES)}
    directories = {
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_STATE_HOME": home / ".local" / "state",
        "XDG_RUNTIME_DIR": home / ".run",
        "HELM_CONFIG_HOME": home / ".config" / "helm",
        "HELM_CACHE_HOME": home / ".cache" / "helm",
        "HELM_DATA_HOME": home / ".local" / "share" / "helm",
        "HELM_PLUGINS": home / ".local" / "share" / "helm" / "plugins",
        "HELM_REPOSITORY_CACHE": home / ".cache" / "helm" / "repository",
        "KUBECACHEDIR": home / ".kube" / "cache",
        "KUSTOMIZE_PLUGIN_HOME": home / ".config" / "kustomize" / "plugin",
        "DOCKER_CONFIG": home / ".docker",
    }
    for directory in directories.values():
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    empty = home / ".empty"
    empty.write_text("", encoding="utf-8")
    kubeconfig = home / ".kube" / "config"
    kubeconfig.write_text(_KUBECONFIG, encoding="utf-8")
    env.update({name: str(path) for name, path in directories.items()})
    env.update({
        "HOME": str(home),
        "XDG_CONFIG_DIRS": str(home / ".config"),
        "XDG_DATA_DIRS": str(home / ".local" / "share"),
        "KUBECONFIG": str(kubeconfig),
        "HELM_REPOSITORY_CONFIG": str(home / ".config" / "helm" / "repositories.yaml"),
        "HELM_REGISTRY_CONFIG": str(home / ".config" / "helm" / "registry" / "config.json"),
        "HELM_NO_PLUGINS": "1",
        "GIT_ALLOW_PROTOCOL": _NO_GIT_PROTOCOL,
        "GIT_PROTOCOL_FROM_USER": "0",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "false",
        "SSH_ASKPASS": "false",
        "GIT_SSH": "false",
        "GIT_SSH_COMMAND": "false",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_SYSTEM": str(empty),
        "GIT_CONFIG_GLOBAL": str(empty),
        "NO_PROXY": "",
        "no_proxy": "",
    })
    if os.name == "nt":  # where Windows programs look instead of HOME
        env.update({"USERPROFILE": str(home), "APPDATA": str(home / ".config"),
                    "LOCALAPPDATA": str(home / ".local" / "share")})
    for name in _PROXY_NAMES:
        env[name] = env[name.lower()] = f"http://{BLOCKED_ADDRESS}"
    return env
