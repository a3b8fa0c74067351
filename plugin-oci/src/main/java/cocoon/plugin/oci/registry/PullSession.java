package cocoon.plugin.oci.registry;

import cocoon.api.CocoonException;
import cocoon.api.DigestMismatchException;
import cocoon.api.ImageConfig;
import cocoon.api.InvalidInputException;
import cocoon.api.NotFoundException;
import cocoon.api.PullOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;

/**
 * One pull's conversation with a registry about one repository, on the JDK's {@link HttpURLConnection}: the
 * manifest (followed through an index to linux/amd64), the image config and the layers, each verified against
 * its digest as it streams. One {@code GET /v2/} picks the scheme and learns the registry's login challenge;
 * credentials are looked up only when the registry asks for them. TLS is verified unless the registry is on
 * loopback or the user passed {@code --insecure}; only then may the pull fall back to unverified TLS or plain
 * HTTP. jib's session cost a pull of the small demo image ~0.2 s of class loading and a TLS context per request.
 */
public final class PullSession {

    private static final String ARCHITECTURE = "amd64";
    private static final String OS = "linux";
    /** A loopback registry answers at once; the full timeout is for registries across a network. */
    private static final int LOOPBACK_PROBE_MILLIS = 2_000;

    private static final int CONNECT_MILLIS = 10_000;
    private static final int READ_MILLIS = 30_000;
    /** What a manifest may take to arrive in full: one that keeps sending is hostile, not slow. */
    private static final long MANIFEST_DEADLINE_MILLIS = 30_000;
    /** Manifests are kilobytes; an index of many platforms some tens. containerd stops at the same 4 MiB. */
    private static final int MAX_MANIFEST_BYTES = 4 << 20;
    /** Image configs are kilobytes, with a long build history a few hundred. */
    private static final long MAX_CONFIG_BYTES = 4L << 20;
    /** Registries send a blob to storage in one hop, sometimes two; a loop must not hold the pull. */
    private static final int MAX_REDIRECTS = 5;

    private static final int BAD_REQUEST = 400;
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OciReference reference;
    private final String base;
    private final boolean plainHttpAllowed;
    private final boolean unverifiedTls;
    private final Supplier<Optional<RegistryCredential>> credential;
    private volatile String authorization;

    private PullSession(
            OciReference reference,
            String base,
            boolean plainHttpAllowed,
            boolean unverifiedTls,
            Supplier<Optional<RegistryCredential>> credential) {
        this.reference = reference;
        this.base = base;
        this.plainHttpAllowed = plainHttpAllowed;
        this.unverifiedTls = unverifiedTls;
        this.credential = credential;
    }

    /**
     * Finds how the registry speaks (a loopback registry over plain HTTP first, as most are; then verified TLS;
     * then, where allowed, unverified TLS and plain HTTP) and logs in if its {@code /v2/} answer asks for it.
     * Failures that no retry would mend (TLS not trusted, nobody listening) are reported at once.
     */
    public static PullSession open(
            OciReference reference, boolean insecure, Supplier<Optional<RegistryCredential>> credential) {
        boolean plainHttpAllowed = insecure || reference.isLoopback();
        List<PullSession> candidates = new ArrayList<>();
        String http = "http://" + reference.registry();
        String https = "https://" + reference.registry();
        if (reference.isLoopback()) {
            candidates.add(new PullSession(reference, http, true, false, credential));
        }
        candidates.add(new PullSession(reference, https, plainHttpAllowed, false, credential));
        if (plainHttpAllowed) {
            candidates.add(new PullSession(reference, https, true, true, credential));
            if (!reference.isLoopback()) {
                candidates.add(new PullSession(reference, http, true, false, credential));
            }
        }
        IOException last = null;
        for (PullSession session : candidates) {
            try {
                Optional<String> challenge = session.ping();
                if (challenge.isPresent()) {
                    session.answer(challenge.get());
                }
                return session;
            } catch (SSLException e) {
                if (!plainHttpAllowed) {
                    throw TlsPreflight.untrusted(reference, e);
                }
                last = e;
            } catch (IOException e) {
                last = e;
                if (!plainHttpAllowed && !(e instanceof ConnectException || e instanceof UnknownHostException)) {
                    break;
                }
            }
        }
        throw RegistryErrors.translate(last, reference, "connecting", Optional.empty());
    }

    /**
     * {@code GET /v2/}, the distribution spec's version check: any answer of a registry means it speaks this
     * scheme; a 400 over plain HTTP is a TLS server (Go's answers so). Returns the login challenge of a 401.
     */
    private Optional<String> ping() throws IOException {
        HttpURLConnection ping = open(URI.create(base + "/v2/"), "GET");
        if (base.startsWith("http://") && reference.isLoopback()) {
            ping.setConnectTimeout(LOOPBACK_PROBE_MILLIS);
            ping.setReadTimeout(LOOPBACK_PROBE_MILLIS);
        }
        try {
            int status = ping.getResponseCode();
            if (status < 0 || (status == BAD_REQUEST && base.startsWith("http://"))) {
                throw new IOException("not a registry over plain HTTP");
            }
            drain(ping);
            return status == HttpURLConnection.HTTP_UNAUTHORIZED
                    ? Optional.ofNullable(ping.getHeaderField("WWW-Authenticate"))
                    : Optional.empty();
        } finally {
            ping.disconnect();
        }
    }

    /** The reference's linux/amd64 manifest: a manifest list or OCI index is followed to that platform. */
    public ResolvedManifest resolve() {
        Manifest top = manifest(reference.qualifier());
        Manifest image = top;
        if (top.json().has("manifests")) {
            String digest = platformDigest(top.json());
            image = manifest(digest);
        }
        JsonNode json = image.json();
        if (!json.has("layers") || !json.path("layers").isArray()) {
            throw new InvalidInputException(
                    reference.canonical() + " has a "
                            + json.path("mediaType")
                                    .asText("schema "
                                            + json.path("schemaVersion").asText("unknown"))
                            + " manifest, which Cocoon cannot read",
                    "push it again as a Docker v2 schema 2 or OCI image (any current docker, buildah or skopeo does)");
        }
        List<LayerDescriptor> layers = new ArrayList<>();
        for (JsonNode layer : json.path("layers")) {
            layers.add(descriptor(layer, "a layer"));
        }
        if (layers.isEmpty()) {
            throw new InvalidInputException(
                    reference.canonical() + " has no layers", "an OCI VM image needs a root file system");
        }
        return new ResolvedManifest(image.digest(), top.digest(), layers, config(json.path("config")));
    }

    private String platformDigest(JsonNode index) {
        for (JsonNode entry : index.path("manifests")) {
            JsonNode platform = entry.path("platform");
            if (ARCHITECTURE.equals(platform.path("architecture").asText())
                    && OS.equals(platform.path("os").asText())) {
                return entry.path("digest").asText();
            }
        }
        throw new NotFoundException(
                reference.canonical() + " has no " + OS + "/" + ARCHITECTURE + " image",
                "pick a tag built for " + OS + "/" + ARCHITECTURE);
    }

    private LayerDescriptor descriptor(JsonNode node, String what) {
        String digest = node.path("digest").asText();
        if (!DIGEST.matcher(digest).matches()
                || !node.path("size").canConvertToLong()
                || node.path("size").asLong() < 0) {
            throw new InvalidInputException(
                    "the manifest of " + reference.canonical() + " names " + what + " without a sha256 digest and size",
                    "push the image again; Cocoon reads sha256 digests only");
        }
        return new LayerDescriptor(digest, node.path("size").asLong());
    }

    /**
     * The image config, which a single-platform manifest is the only place to learn the architecture from;
     * empty when the manifest names no config. The config is verified like a layer.
     */
    private ConfigBlob config(JsonNode node) {
        if (node.isMissingNode() || !node.has("digest")) {
            return new ConfigBlob(null, ImageConfig.none());
        }
        LayerDescriptor config = descriptor(node, "a config");
        if (config.size() > MAX_CONFIG_BYTES) {
            throw new InvalidInputException(
                    "the image config of " + reference.canonical() + " is " + config.size() + " bytes",
                    "an image config is a few kilobytes; the registry is broken or hostile");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        download(config, bytes, count -> {});
        try {
            return ConfigBlob.parse(bytes.toByteArray());
        } catch (IOException e) {
            throw new InvalidInputException(
                    "the image config of " + reference.canonical() + " is not JSON: " + e.getMessage(),
                    "push the image again");
        }
    }

    private record Manifest(String digest, JsonNode json) {}

    /** A manifest fetched by digest must hash to that digest; a tag can point anywhere. */
    private Manifest manifest(String qualifier) {
        URI uri = URI.create(base + "/v2/" + reference.repository() + "/manifests/" + qualifier);
        byte[] body;
        try {
            HttpURLConnection get = request(uri, RegistryAuth.MANIFEST_TYPES, "fetching the manifest");
            try (InputStream in = get.getInputStream()) {
                body = readManifest(in, get);
            }
        } catch (IOException e) {
            throw RegistryErrors.translate(e, reference, "fetching the manifest", credential.get());
        }
        String digest = "sha256:" + sha256(body);
        if (qualifier.startsWith("sha256:") && !digest.equals(qualifier)) {
            throw new DigestMismatchException(
                    "manifest " + qualifier + " of " + reference.canonical(), qualifier, digest);
        }
        try {
            JsonNode json = JSON.readTree(body);
            if (!json.isObject()) {
                throw new IOException("not a JSON object");
            }
            return new Manifest(digest, json);
        } catch (IOException e) {
            throw new InvalidInputException(
                    "the manifest of " + reference.canonical() + " is not a JSON manifest: " + e.getMessage(),
                    "the registry is broken or hostile; check it");
        }
    }

    /** At most {@value #MAX_MANIFEST_BYTES} bytes within the deadline, else the connection is cut. */
    private byte[] readManifest(InputStream in, HttpURLConnection connection) throws IOException {
        long deadline = System.nanoTime() + MANIFEST_DEADLINE_MILLIS * 1_000_000;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 << 10];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            body.write(buffer, 0, n);
            if (body.size() > MAX_MANIFEST_BYTES || System.nanoTime() > deadline) {
                connection.disconnect();
                throw new CocoonException(
                        "the registry did not finish sending the manifest of " + reference.canonical() + " within "
                                + (MAX_MANIFEST_BYTES >> 20) + " MiB and " + MANIFEST_DEADLINE_MILLIS / 1000 + " s",
                        "the registry is broken or hostile; check it, or try again later");
            }
        }
        return body.toByteArray();
    }

    /**
     * Streams a blob into {@code target} and returns only once its bytes hash to the digest and match the size
     * the manifest promised; otherwise throws {@link DigestMismatchException}. A body that runs past that size is
     * cut there: a registry that never stops sending must not fill the disk or hold the pull.
     */
    public void download(LayerDescriptor layer, OutputStream target, LongConsumer bytesSoFar) {
        String action = "downloading layer " + layer.digest();
        MessageDigest hash = sha256();
        long count = 0;
        HttpURLConnection get = null;
        try {
            get = request(
                    URI.create(base + "/v2/" + reference.repository() + "/blobs/" + layer.digest()), "*/*", action);
            try (InputStream in = get.getInputStream()) {
                byte[] buffer = new byte[64 << 10];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (count + n > layer.size()) {
                        get.disconnect();
                        throw new DigestMismatchException(
                                "layer " + layer.digest() + " of " + reference.canonical() + " size",
                                layer.size() + " bytes",
                                "more");
                    }
                    hash.update(buffer, 0, n);
                    target.write(buffer, 0, n);
                    count += n;
                    bytesSoFar.accept(count);
                }
            }
            if (count < layer.size()) {
                // HttpURLConnection ends a body cut short of its Content-Length as if it were whole.
                throw new IOException("the body ended after " + count + " of " + layer.size() + " bytes");
            }
        } catch (IOException e) {
            if (get != null) {
                get.disconnect();
            }
            throw RegistryErrors.translate(e, reference, action, credential.get());
        }
        String digest = "sha256:" + HexFormat.of().formatHex(hash.digest());
        if (!digest.equals(layer.digest())) {
            throw new DigestMismatchException("a blob of " + reference.canonical(), layer.digest(), digest);
        }
    }

    /**
     * A successful {@code GET} of a registry URL: logged in once more when the registry answers 401 (a token
     * expired, or it wants one only now), and followed through redirects. A redirect drops the registry's
     * {@code Authorization}: blobs go to object stores, which refuse a second authentication, and must not
     * see the registry's token.
     */
    private HttpURLConnection request(URI uri, String accept, String action) throws IOException {
        String sent = authorization;
        HttpURLConnection connection = get(uri, accept, sent);
        if (connection.getResponseCode() == HttpURLConnection.HTTP_UNAUTHORIZED) {
            String challenge = connection.getHeaderField("WWW-Authenticate");
            drain(connection);
            if (challenge == null) {
                throw RegistryErrors.refused(reference, credential.get(), false);
            }
            answer(challenge);
            if (authorization == null || authorization.equals(sent)) {
                throw RegistryErrors.refused(reference, credential.get(), false);
            }
            connection = get(uri, accept, authorization);
            if (connection.getResponseCode() == HttpURLConnection.HTTP_UNAUTHORIZED
                    || connection.getResponseCode() == HttpURLConnection.HTTP_FORBIDDEN) {
                drain(connection);
                throw RegistryErrors.refused(reference, credential.get(), false);
            }
        }
        for (int redirects = 0; isRedirect(connection.getResponseCode()); redirects++) {
            String location = connection.getHeaderField("Location");
            drain(connection);
            if (location == null || redirects == MAX_REDIRECTS) {
                throw new IOException("the registry answered HTTP " + connection.getResponseCode() + " with "
                        + (location == null ? "no Location" : "more than " + MAX_REDIRECTS + " redirects"));
            }
            URI next = URI.create(connection.getURL().toString()).resolve(location);
            if (!next.getScheme().equals("https")
                    && !(plainHttpAllowed && next.getScheme().equals("http"))) {
                throw new IOException("the registry redirected to " + next.getScheme() + "://" + next.getHost()
                        + ", which is not HTTPS");
            }
            connection = get(next, accept, null);
        }
        int status = connection.getResponseCode();
        if (status == HttpURLConnection.HTTP_OK) {
            return connection;
        }
        String detail = errorBody(connection);
        if (status == HttpURLConnection.HTTP_NOT_FOUND) {
            throw RegistryErrors.notFound(reference, action);
        }
        if (status == HttpURLConnection.HTTP_UNAUTHORIZED || status == HttpURLConnection.HTTP_FORBIDDEN) {
            throw RegistryErrors.refused(reference, credential.get(), false);
        }
        throw new IOException("HTTP " + status + (detail.isEmpty() ? "" : " " + detail));
    }

    /**
     * Logs in as the challenge asks: basic credentials sent along with every request, or a bearer token from the
     * realm. No credential and a basic challenge leaves the session anonymous, and the registry's refusal says so.
     */
    private void answer(String header) throws IOException {
        Optional<RegistryAuth.Challenge> challenge = RegistryAuth.Challenge.parse(header);
        if (challenge.isEmpty()) {
            return;
        }
        Optional<RegistryCredential> given = credential.get();
        if (challenge.get().isBasic()) {
            given.filter(found -> !found.isIdentityToken())
                    .ifPresent(found -> authorization = RegistryAuth.basic(found));
            return;
        }
        String realm = challenge.get().params().get("realm");
        if (!challenge.get().isBearer() || realm == null) {
            throw new IOException("the registry asks for a login Cocoon does not speak: " + header);
        }
        URI realmUri = URI.create(realm);
        if (!"https".equals(realmUri.getScheme()) && !(plainHttpAllowed && "http".equals(realmUri.getScheme()))) {
            throw new IOException("the registry's token service " + realm + " is not HTTPS");
        }
        String scope = challenge.get().params().getOrDefault("scope", RegistryAuth.pullScope(reference));
        try {
            authorization = "Bearer "
                    + RegistryAuth.token(
                            this::open, realm, challenge.get().params().get("service"), scope, given);
        } catch (RegistryAuth.TokenRefusedException e) {
            if (e.status == HttpURLConnection.HTTP_UNAUTHORIZED || e.status == HttpURLConnection.HTTP_FORBIDDEN) {
                throw RegistryErrors.refused(reference, given, given.isPresent());
            }
            throw RegistryErrors.tokenServiceFailed(reference, e);
        }
    }

    private HttpURLConnection get(URI uri, String accept, String authorizedAs) throws IOException {
        HttpURLConnection connection = open(uri, "GET");
        connection.setRequestProperty("Accept", accept);
        if (authorizedAs != null) {
            connection.setRequestProperty("Authorization", authorizedAs);
        }
        return connection;
    }

    /** Redirects are followed by {@link #request}, which decides what goes along to the next host. */
    private HttpURLConnection open(URI uri, String method) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        connection.setInstanceFollowRedirects(false);
        connection.setConnectTimeout(CONNECT_MILLIS);
        connection.setReadTimeout(READ_MILLIS);
        connection.setRequestMethod(method);
        connection.setRequestProperty("User-Agent", "cocoon");
        if (unverifiedTls && connection instanceof HttpsURLConnection tls) {
            tls.setSSLSocketFactory(UnverifiedTls.FACTORY);
            tls.setHostnameVerifier((host, session) -> true);
        }
        return connection;
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /** Reads what is left of a response so its connection can carry the next request. */
    private static void drain(HttpURLConnection connection) {
        try (InputStream body = connection.getResponseCode() < BAD_REQUEST
                ? connection.getInputStream()
                : connection.getErrorStream()) {
            if (body != null) {
                body.readNBytes(64 << 10);
            }
        } catch (IOException e) {
            connection.disconnect();
        }
    }

    /** The first line of an error body: registries say there what was wrong ({@code {"errors":[...]}}). */
    private static String errorBody(HttpURLConnection connection) {
        try (InputStream body = connection.getErrorStream()) {
            if (body == null) {
                return "";
            }
            String text = new String(body.readNBytes(512), StandardCharsets.UTF_8).strip();
            int newline = text.indexOf('\n');
            return newline < 0 ? text : text.substring(0, newline);
        } catch (IOException e) {
            return "";
        }
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** TLS that takes any certificate: only for a loopback registry or one the user called {@code --insecure}. */
    private static final class UnverifiedTls {
        /** cocoon.api's trust for {@code --insecure} (any certificate), made only when a registry needs it. */
        static final SSLSocketFactory FACTORY =
                new PullOptions(true, false, null, null, null).tls().getSocketFactory();
    }
}
