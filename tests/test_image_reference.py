"""The image reference parser follows the Docker distribution reference grammar."""

from __future__ import annotations

import dataclasses

import pytest

from lintops.image_reference import ImageReference, InvalidImageReference, parse_image_reference

SHA256 = "sha256:" + "0123456789abcdef" * 4
SHA512 = "sha512:" + "f" * 128


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("nginx", None, "nginx", None, None),
        ("nginx:1.25.3", None, "nginx", "1.25.3", None),
        ("library/nginx:1.25", None, "library/nginx", "1.25", None),
        ("docker.io/library/nginx", "docker.io", "library/nginx", None, None),
        ("docker.io/library/nginx:latest", "docker.io", "library/nginx", "latest", None),
        # a port is not a tag
        ("registry:5000/app", "registry:5000", "app", None, None),
        ("registry:5000/team/app:v1.2", "registry:5000", "team/app", "v1.2", None),
        ("registry.example.com:5000/team/app:2.0", "registry.example.com:5000", "team/app", "2.0", None),
        ("localhost/app", "localhost", "app", None, None),
        ("localhost:5000/app:dev", "localhost:5000", "app", "dev", None),
        # digest only, tag and digest
        (f"app@{SHA256}", None, "app", None, SHA256),
        (f"ghcr.io/org/app@{SHA256}", "ghcr.io", "org/app", None, SHA256),
        (f"registry:5000/app:1.0@{SHA256}", "registry:5000", "app", "1.0", SHA256),
        (f"quay.io/org/app:latest@{SHA512}", "quay.io", "org/app", "latest", SHA512),
        # IP addresses
        ("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", None),
        ("[2001:db8::1]:5000/repo:tag", "[2001:db8::1]:5000", "repo", "tag", None),
        ("[::1]/repo", "[::1]", "repo", None, None),
        # separators inside path components, and tags with upper case and dots
        ("gcr.io/my-project/my__app.v2/sub-dir---x:Release_1.0-rc.1", "gcr.io", "my-project/my__app.v2/sub-dir---x",
         "Release_1.0-rc.1", None),
        ("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app",
         "test.example.com", None),
        # a first component without '.', ':' or upper case is a path, not a registry
        ("team/app:1", None, "team/app", "1", None),
        ("test_com/foo", None, "test_com/foo", None, None),
        # an uppercase first component can only be a host name (Docker's splitDockerDomain)
        ("Registry/app:1", "Registry", "app", "1", None),
        ("app:" + "t" * 128, None, "app", "t" * 128, None),
        # 64 characters that are not all hex digits make a name, not an image ID
        ("g" * 64, None, "g" * 64, None, None),
    ],
)
def test_valid(text, registry, repository, tag, digest):
    ref = parse_image_reference(text)
    assert ref == ImageReference(registry, repository, tag, digest)
    assert str(ref) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("Nginx:1.0", "lowercase"),
        ("registry:5000/Team/app:1", "lowercase"),
        ("nginx:", "tag after ':' is empty"),
        (":1.0", "repository name is missing"),
        (f"@{SHA256}", "repository name is missing"),
        ("app:.hidden", "invalid tag"),
        ("app:-x", "invalid tag"),
        ("app:" + "t" * 129, "invalid tag"),
        ("app:v1:v2", "invalid repository path component .app:v1."),
        ("app@sha256:abc", "invalid digest"),
        ("app@sha256:" + "f" * 63, "64 lowercase hex"),
        ("app@sha256:" + "F" * 64, "64 lowercase hex"),
        ("app@md5:" + "f" * 32, "unsupported digest algorithm"),
        (f"app@{SHA256}@{SHA256}", "at most one"),
        ("nginx 1.25", "whitespace"),
        (" nginx:1.25", "whitespace"),
        ("nginx:1.25\n", "whitespace"),
        ("{{ .Values.image }}", "cannot contain"),
        ("{{.Values.image}}", "'{'"),
        ("registry//app", "empty component"),
        ("team/app/", "empty component"),
        ("team/-app", "invalid repository path component"),
        ("team/app_", "invalid repository path component"),
        ("team/a___b", "invalid repository path component"),
        ("my_registry.com:port/app", "invalid registry"),
        ("-registry.com/app", "invalid registry"),
        ("0123456789abcdef" * 4, "image ID"),
        ("a/" * 128 + "a:tag", "longer than 255"),
        ("aa/asdf$$^/aa", "cannot contain '\\$'"),
        ("<YOUR-CONTAINER>", "cannot contain '<'"),
        ("nginx:1.25\u00a0", "whitespace"),
        ("nginx:1.25\u200b", "U\\+200B"),
        ("ngínx:1", "cannot contain 'í'"),
    ],
)
def test_invalid(text, reason):
    with pytest.raises(InvalidImageReference, match=reason):
        parse_image_reference(text)


def test_invalid_reference_is_a_value_error():
    with pytest.raises(ValueError):
        parse_image_reference("UPPER")


def test_not_a_string():
    with pytest.raises(InvalidImageReference):
        parse_image_reference(42)  # type: ignore[arg-type]


def test_reference_is_frozen_and_normalises_only_on_request():
    ref = parse_image_reference("nginx:1.25")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.tag = "latest"  # type: ignore[misc]
    assert ref.registry is None
    assert ref.normalized_registry == "docker.io"
    assert parse_image_reference("ghcr.io/org/app:1").normalized_registry == "ghcr.io"
    assert ref.name == "nginx"
    assert parse_image_reference("registry:5000/app").name == "registry:5000/app"
    assert parse_image_reference(f"app@{SHA256}").digest_algorithm == "sha256"
    assert ref.digest_algorithm is None
