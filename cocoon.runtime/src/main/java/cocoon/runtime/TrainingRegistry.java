package cocoon.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A registry for the training of {@code pull}: one OCI image of one small layer, served from memory over plain
 * HTTP on loopback, so the store cache holds what a pull runs (the registry client, the layer's inflating and
 * unpacking, their lambdas). Trained on commands that never pull, the demo image's pull loaded ~210 classes from
 * the jars and spun its lambdas: ~80 ms of its 0.4 s of CPU. Each connection is answered once and closed.
 */
final class TrainingRegistry implements AutoCloseable {

    static final String REPOSITORY = "training/image";
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    @SuppressWarnings("ArrayRecordComponent") // bytes sent as they are, never compared
    private record Content(String type, byte[] bytes, String digest) {}

    private final ServerSocket socket;
    private final Map<String, Content> paths = new HashMap<>();

    private TrainingRegistry(ServerSocket socket) {
        this.socket = socket;
    }

    static TrainingRegistry start() throws IOException {
        TrainingRegistry registry = new TrainingRegistry(new ServerSocket(0, 16, InetAddress.getLoopbackAddress()));
        registry.publish();
        Thread.ofPlatform().daemon().name("training-registry").start(registry::serve);
        return registry;
    }

    /** What {@code pull} is given: the image's tag on this registry. */
    String reference() {
        return "127.0.0.1:" + socket.getLocalPort() + "/" + REPOSITORY + ":latest";
    }

    private void publish() throws IOException {
        ObjectMapper json = new ObjectMapper();
        Content layer = content("application/vnd.oci.image.layer.v1.tar+gzip", layer());
        Content config = content(
                "application/vnd.oci.image.config.v1+json",
                json.writeValueAsBytes(Map.of(
                        "architecture",
                        "amd64",
                        "os",
                        "linux",
                        "config",
                        Map.of("Cmd", List.of("/bin/sh")),
                        "rootfs",
                        Map.of("type", "layers", "diff_ids", List.of()))));
        Content manifest = content(
                OCI_MANIFEST,
                json.writeValueAsBytes(Map.of(
                        "schemaVersion",
                        2,
                        "mediaType",
                        OCI_MANIFEST,
                        "config",
                        descriptor(config),
                        "layers",
                        List.of(descriptor(layer)))));
        for (Content blob : List.of(layer, config)) {
            paths.put("/v2/" + REPOSITORY + "/blobs/" + blob.digest(), blob);
        }
        paths.put("/v2/" + REPOSITORY + "/manifests/latest", manifest);
        paths.put("/v2/" + REPOSITORY + "/manifests/" + manifest.digest(), manifest);
        paths.put("/v2/", new Content("application/json", "{}".getBytes(StandardCharsets.UTF_8), null));
    }

    private static Map<String, Object> descriptor(Content content) {
        return Map.of("mediaType", content.type(), "digest", content.digest(), "size", content.bytes().length);
    }

    /** A directory and a file, gzipped, as most layers are. */
    private static byte[] layer() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            TarArchiveEntry dir = new TarArchiveEntry("etc/");
            dir.setMode(040755);
            tar.putArchiveEntry(dir);
            tar.closeArchiveEntry();
            byte[] motd = "trained\n".getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry file = new TarArchiveEntry("etc/motd");
            file.setMode(0100644);
            file.setSize(motd.length);
            tar.putArchiveEntry(file);
            tar.write(motd);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    private static Content content(String type, byte[] bytes) {
        try {
            StringBuilder hex = new StringBuilder("sha256:");
            for (byte b : MessageDigest.getInstance("SHA-256").digest(bytes)) {
                hex.append(String.format("%02x", b));
            }
            return new Content(type, bytes, hex.toString());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private void serve() {
        while (!socket.isClosed()) {
            try {
                Socket connection = socket.accept();
                Thread.ofPlatform().daemon().start(() -> answer(connection));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void answer(Socket connection) {
        try (connection) {
            BufferedReader request =
                    new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.US_ASCII));
            List<String> line = List.of(String.valueOf(request.readLine()).split(" ", 3));
            // The headers are read past unheeded: this registry answers everyone alike.
            String header = request.readLine();
            while (header != null && !header.isEmpty()) {
                header = request.readLine();
            }
            Content content = line.size() > 1 ? paths.get(line.get(1)) : null;
            OutputStream out = connection.getOutputStream();
            if (content == null) {
                out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                return;
            }
            String headers = "HTTP/1.1 200 OK\r\nContent-Type: " + content.type() + "\r\nContent-Length: "
                    + content.bytes().length + "\r\n"
                    + (content.digest() == null ? "" : "Docker-Content-Digest: " + content.digest() + "\r\n")
                    + "Connection: close\r\n\r\n";
            out.write(headers.getBytes(StandardCharsets.US_ASCII));
            if (!line.get(0).equals("HEAD")) {
                out.write(content.bytes());
            }
            out.flush();
        } catch (IOException e) {
            // A client that went away: the pull it trains reports that itself.
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
