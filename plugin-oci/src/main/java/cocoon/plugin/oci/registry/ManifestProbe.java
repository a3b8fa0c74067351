package cocoon.plugin.oci.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks a registry which manifest digest a tag points to with one {@code HEAD} request (two more for a
 * bearer token), without jib's session set-up. It only ever answers "this digest" or "don't know": any
 * surprise (TLS, a redirect, credentials refused, no digest header) is "don't know", and the caller then
 * does the full pull, which reports errors properly. Credentials are looked up only when the registry
 * asks for them, and go only over HTTPS or to this host.
 */
public final class ManifestProbe {

    /** The manifest kinds a pull accepts, as jib asks for them, so the registry picks the same document. */
    private static final String ACCEPT = String.join(
            ", ",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.v1+prettyjws",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.index.v1+json");

    private static final int TIMEOUT_MILLIS = 5_000;
    /** A token response is a few kilobytes. */
    private static final int MAX_TOKEN_RESPONSE = 1 << 20;

    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.\\d{1,3}){3}");

    private ManifestProbe() {}

    /**
     * The digest {@code reference}'s tag resolves to now. Plain HTTP is used only where a pull may use it
     * ({@code --insecure} or a loopback registry); otherwise HTTPS, verified by the JDK's trust store.
     */
    public static Optional<String> currentDigest(
            OciReference reference, boolean insecure, Supplier<Optional<RegistryCredential>> credential) {
        String scheme = insecure || reference.isLoopback() ? "http" : "https";
        URI manifest = URI.create(scheme + "://" + reference.registry() + "/v2/" + reference.repository()
                + "/manifests/" + reference.qualifier());
        try {
            HttpURLConnection head = open(manifest, "HEAD", null);
            int status = head.getResponseCode();
            if (status == HttpURLConnection.HTTP_UNAUTHORIZED) {
                Optional<String> authorization =
                        authorization(head.getHeaderField("WWW-Authenticate"), reference, credential);
                head.disconnect();
                if (authorization.isEmpty()) {
                    return Optional.empty();
                }
                head = open(manifest, "HEAD", authorization.get());
                status = head.getResponseCode();
            }
            String digest = head.getHeaderField("Docker-Content-Digest");
            return status == HttpURLConnection.HTTP_OK
                            && digest != null
                            && DIGEST.matcher(digest).matches()
                    ? Optional.of(digest)
                    : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The answer to the registry's challenge: a bearer token from its realm, or basic credentials. */
    private static Optional<String> authorization(
            String challenge, OciReference reference, Supplier<Optional<RegistryCredential>> credential)
            throws IOException {
        if (challenge == null) {
            return Optional.empty();
        }
        if (challenge.regionMatches(true, 0, "Basic ", 0, 6)) {
            return credential.get().filter(given -> !given.isIdentityToken()).map(ManifestProbe::basic);
        }
        if (!challenge.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        Map<String, String> params = new LinkedHashMap<>();
        Matcher matcher = CHALLENGE_PARAM.matcher(challenge);
        while (matcher.find()) {
            params.put(matcher.group(1), matcher.group(2));
        }
        String realm = params.get("realm");
        if (realm == null
                || !(realm.startsWith("https://")
                        || (realm.startsWith("http://")
                                && isLoopback(URI.create(realm).getHost())))) {
            return Optional.empty();
        }
        return token(realm, params.get("service"), reference, credential.get()).map(token -> "Bearer " + token);
    }

    /**
     * A pull token from the realm, as the token specification describes: anonymous (Docker Hub and most
     * registries hand those out for public images), with basic credentials, or for an identity token
     * through the OAuth2 refresh-token grant.
     */
    private static Optional<String> token(
            String realm, String service, OciReference reference, Optional<RegistryCredential> credential)
            throws IOException {
        StringBuilder query =
                new StringBuilder("scope=").append(encode("repository:" + reference.repository() + ":pull"));
        if (service != null) {
            query.append("&service=").append(encode(service));
        }
        HttpURLConnection request;
        if (credential.isPresent() && credential.get().isIdentityToken()) {
            request = open(URI.create(realm), "POST", null);
            request.setDoOutput(true);
            request.setRequestProperty("Content-Type", "application/x-www-form-urlencoded");
            try (OutputStream body = request.getOutputStream()) {
                body.write((query + "&grant_type=refresh_token&client_id=cocoon&refresh_token="
                                + encode(credential.get().secret()))
                        .getBytes(StandardCharsets.UTF_8));
            }
        } else {
            request = open(
                    URI.create(realm + (realm.contains("?") ? '&' : '?') + query),
                    "GET",
                    credential.map(ManifestProbe::basic).orElse(null));
        }
        if (request.getResponseCode() != HttpURLConnection.HTTP_OK) {
            return Optional.empty();
        }
        try (InputStream body = request.getInputStream()) {
            JsonNode json = new ObjectMapper().readTree(body.readNBytes(MAX_TOKEN_RESPONSE));
            JsonNode token = json.hasNonNull("token") ? json.get("token") : json.get("access_token");
            return token != null && token.isTextual() ? Optional.of(token.asText()) : Optional.empty();
        }
    }

    private static String basic(RegistryCredential credential) {
        return "Basic "
                + Base64.getEncoder()
                        .encodeToString(
                                (credential.username() + ":" + credential.secret()).getBytes(StandardCharsets.UTF_8));
    }

    private static boolean isLoopback(String host) {
        return host != null
                && (host.equals("localhost")
                        || host.equals("[::1]")
                        || LOOPBACK_V4.matcher(host).matches());
    }

    private static HttpURLConnection open(URI uri, String method, String authorization) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        // A redirect could carry the token to another host; the full pull handles redirects instead.
        connection.setInstanceFollowRedirects(false);
        connection.setConnectTimeout(TIMEOUT_MILLIS);
        connection.setReadTimeout(TIMEOUT_MILLIS);
        connection.setRequestMethod(method);
        connection.setRequestProperty("Accept", ACCEPT);
        connection.setRequestProperty("User-Agent", "cocoon");
        if (authorization != null) {
            connection.setRequestProperty("Authorization", authorization);
        }
        return connection;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
