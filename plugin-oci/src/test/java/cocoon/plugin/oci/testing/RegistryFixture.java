package cocoon.plugin.oci.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A real OCI registry for tests: Debian's {@code docker-registry} (distribution) on a free loopback
 * port with filesystem storage in a temp folder, plus a minimal push client speaking the
 * distribution API (monolithic blob upload, manifest PUT) so tests can publish exactly the bytes
 * they mean to.
 */
public final class RegistryFixture implements AutoCloseable {

    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

    private final Process process;
    private final String host;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RegistryFixture(Process process, String host) {
        this.process = process;
        this.host = host;
    }

    /** Starts the registry with its storage and config under {@code workDir} and waits until it answers. */
    public static RegistryFixture start(Path workDir) throws IOException, InterruptedException {
        Path storage = Files.createDirectories(workDir.resolve("storage"));
        RegistryFixture fixture = serve(workDir, "registry", List.of(), "127.0.0.1", storage, "");
        fixture.awaitReady(workDir.resolve("registry.log"));
        return fixture;
    }

    /**
     * A second registry over the same storage, on {@code address}, that speaks only TLS with
     * {@code certificate} and {@code key} (PEM): what is pushed through this fixture can be pulled from it.
     * It runs through {@code launcher} ({@code ip netns exec NS}), since an address outside loopback is
     * served only inside a network namespace the test made (DESIGN §6).
     */
    public RegistryFixture tlsFront(Path workDir, List<String> launcher, String address, Path certificate, Path key)
            throws IOException, InterruptedException {
        String tls = "  tls:\n    certificate: %s\n    key: %s\n".formatted(certificate, key);
        String name = "tls-registry-" + address;
        RegistryFixture front = serve(workDir, name, launcher, address, workDir.resolve("storage"), tls);
        front.awaitListening(launcher, workDir.resolve(name + ".log"));
        return front;
    }

    /**
     * A second registry over the same storage, on loopback, that lets in only requests carrying a token
     * from {@code realm} signed by the key of {@code rootCertificate} (PEM) for {@code service}: what is
     * pushed through this fixture can be pulled from it by whoever the token service lets in.
     */
    public RegistryFixture tokenFront(Path workDir, String realm, String service, String issuer, Path rootCertificate)
            throws IOException, InterruptedException {
        RegistryFixture front = serve(
                workDir,
                "token-registry",
                List.of(),
                "127.0.0.1",
                workDir.resolve("storage"),
                tokenAuth(realm, service, issuer, rootCertificate));
        front.awaitListening(List.of(), workDir.resolve("token-registry.log"));
        return front;
    }

    /** {@link #tokenFront} that speaks only TLS, on {@code address} through {@code launcher}, as {@link #tlsFront} does. */
    public RegistryFixture tlsTokenFront(
            Path workDir,
            List<String> launcher,
            String address,
            Path certificate,
            Path key,
            String realm,
            String service,
            String issuer,
            Path rootCertificate)
            throws IOException, InterruptedException {
        String tls = "  tls:\n    certificate: %s\n    key: %s\n".formatted(certificate, key);
        RegistryFixture front = serve(
                workDir,
                "tls-token-registry",
                launcher,
                address,
                workDir.resolve("storage"),
                tls + tokenAuth(realm, service, issuer, rootCertificate));
        front.awaitListening(launcher, workDir.resolve("tls-token-registry.log"));
        return front;
    }

    private static String tokenAuth(String realm, String service, String issuer, Path rootCertificate) {
        return """
                auth:
                  token:
                    realm: %s
                    service: %s
                    issuer: %s
                    rootcertbundle: %s
                """.formatted(realm, service, issuer, rootCertificate);
    }

    private static RegistryFixture serve(
            Path workDir, String name, List<String> launcher, String address, Path storage, String httpExtra)
            throws IOException {
        int port = freePort();
        Path config = workDir.resolve(name + ".yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: %s:%d
                """.formatted(storage, address, port) + httpExtra);
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of("/usr/bin/docker-registry", "serve", config.toString()));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve(name + ".log").toFile())
                .start();
        return new RegistryFixture(process, address + ":" + port);
    }

    /**
     * Waits until the port is listened on where {@code launcher} runs: asked of {@code ss} there, since a
     * connection from this JVM would leave from the host's namespace.
     */
    private void awaitListening(List<String> launcher, Path log) throws IOException, InterruptedException {
        List<String> listening = new ArrayList<>(launcher);
        listening.addAll(List.of("ss", "-Hltn", "sport = :" + host.substring(host.lastIndexOf(':') + 1)));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("docker-registry exited: " + Files.readString(log));
            }
            Process ss = new ProcessBuilder(listening).redirectErrorStream(true).start();
            String sockets = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (ss.waitFor() == 0 && !sockets.isBlank()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("docker-registry did not listen within 20 s: " + Files.readString(log));
    }

    /** {@code <address>:<port>}, as an image reference's registry part. */
    public String host() {
        return host;
    }

    private void awaitReady(Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("docker-registry exited: " + Files.readString(log));
            }
            try {
                if (http.send(request("/v2/").GET().build(), HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("docker-registry did not answer within 20 s: " + Files.readString(log));
    }

    /** Uploads a blob in one request and returns its digest. */
    public String pushBlob(String repository, byte[] content) throws IOException, InterruptedException {
        String digest = digest(content);
        HttpResponse<Void> start = http.send(
                request("/v2/" + repository + "/blobs/uploads/")
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        expect(start, 202, "start upload");
        String location = start.headers().firstValue("Location").orElseThrow();
        URI upload = URI.create("http://" + host + "/").resolve(location);
        String separator = upload.getQuery() == null ? "?" : "&";
        HttpResponse<Void> put = http.send(
                HttpRequest.newBuilder(URI.create(upload + separator + "digest=" + digest))
                        .header("Content-Type", "application/octet-stream")
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        expect(put, 201, "finish upload of " + digest);
        return digest;
    }

    /** Puts a manifest (or index) under a tag and returns its digest. */
    public String pushManifest(String repository, String tag, String mediaType, String json)
            throws IOException, InterruptedException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> put = http.send(
                request("/v2/" + repository + "/manifests/" + tag)
                        .header("Content-Type", mediaType)
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (put.statusCode() != 201) {
            throw new IllegalStateException("manifest push answered " + put.statusCode() + ": " + put.body());
        }
        return digest(body);
    }

    /**
     * Pushes the layers (compressed blobs, bottom first) and a config, then a single-platform manifest
     * of {@code mediaType} ({@link #OCI_MANIFEST} or {@link #DOCKER_MANIFEST}) under {@code tag}.
     */
    public Pushed pushImage(String repository, String tag, String mediaType, List<Layer> layers)
            throws IOException, InterruptedException {
        return pushImage(repository, tag, mediaType, layers, "amd64");
    }

    /** As {@link #pushImage(String, String, String, List)}, with a config naming {@code architecture}. */
    public Pushed pushImage(String repository, String tag, String mediaType, List<Layer> layers, String architecture)
            throws IOException, InterruptedException {
        return pushImage(repository, tag, mediaType, layers, architecture, "{}");
    }

    /**
     * As {@link #pushImage(String, String, String, List, String)}, with {@code run} (a JSON object: {@code Entrypoint},
     * {@code Cmd}, ...) as the config's {@code config}.
     */
    public Pushed pushImage(
            String repository, String tag, String mediaType, List<Layer> layers, String architecture, String run)
            throws IOException, InterruptedException {
        boolean oci = mediaType.equals(OCI_MANIFEST);
        String config = "{\"architecture\":\"" + architecture + "\",\"os\":\"linux\",\"config\":" + run
                + ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
        byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
        String configDigest = pushBlob(repository, configBytes);
        List<String> layerJson = new ArrayList<>();
        for (Layer layer : layers) {
            String digest = pushBlob(repository, layer.blob());
            layerJson.add("{\"mediaType\":\"" + layer.mediaType(oci) + "\",\"digest\":\"" + digest + "\",\"size\":"
                    + layer.blob().length + "}");
        }
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + mediaType + "\","
                + "\"config\":{\"mediaType\":\""
                + (oci ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json")
                + "\",\"digest\":\"" + configDigest + "\",\"size\":" + configBytes.length + "},"
                + "\"layers\":[" + String.join(",", layerJson) + "]}";
        String digest = pushManifest(repository, tag, mediaType, manifest);
        return new Pushed(digest, manifest.getBytes(StandardCharsets.UTF_8).length);
    }

    /** A manifest list / OCI index under {@code tag} naming one manifest per platform ({@code os/arch}). */
    public String pushIndex(
            String repository, String tag, String listType, String manifestType, List<Platform> platforms)
            throws IOException, InterruptedException {
        List<String> entries = new ArrayList<>();
        for (Platform platform : platforms) {
            entries.add("{\"mediaType\":\"" + manifestType + "\",\"digest\":\""
                    + platform.manifest().digest() + "\",\"size\":"
                    + platform.manifest().size() + ",\"platform\":{\"architecture\":\"" + platform.architecture()
                    + "\",\"os\":\"" + platform.os() + "\"}}");
        }
        return pushManifest(
                repository,
                tag,
                listType,
                "{\"schemaVersion\":2,\"mediaType\":\"" + listType + "\",\"manifests\":[" + String.join(",", entries)
                        + "]}");
    }

    /** A pushed manifest: its digest and byte size, as an index refers to it. */
    public record Pushed(String digest, long size) {}

    public record Platform(String os, String architecture, Pushed manifest) {}

    /** A compressed layer blob and whether it is gzip or zstd. */
    @SuppressWarnings("ArrayRecordComponent") // blob bytes pushed as they are; a Layer is never compared or hashed
    public record Layer(byte[] blob, boolean zstd) {
        String mediaType(boolean oci) {
            if (oci) {
                return zstd
                        ? "application/vnd.oci.image.layer.v1.tar+zstd"
                        : "application/vnd.oci.image.layer.v1.tar+gzip";
            }
            return zstd
                    ? "application/vnd.docker.image.rootfs.diff.tar.zstd"
                    : "application/vnd.docker.image.rootfs.diff.tar.gzip";
        }

        public String digest() {
            return RegistryFixture.digest(blob);
        }

        public String hex() {
            return digest().substring("sha256:".length());
        }
    }

    public static String digest(byte[] content) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://" + host + path)).timeout(Duration.ofSeconds(30));
    }

    private static void expect(HttpResponse<?> response, int status, String what) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(what + " answered " + response.statusCode());
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            // Kept, not thrown: thrown from close it could end up suppressed under the body's exception and be lost.
            Thread.currentThread().interrupt();
        }
    }
}
