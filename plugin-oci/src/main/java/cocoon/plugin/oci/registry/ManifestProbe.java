package cocoon.plugin.oci.registry;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Asks a registry which manifest digest a tag points to with one {@code HEAD} request (two more for a
 * bearer token), without jib's session set-up. It only ever answers "this digest" or "don't know": any
 * surprise (TLS, a redirect, credentials refused, no digest header) is "don't know", and the caller then
 * does the full pull, which reports errors properly. Credentials are looked up only when the registry
 * asks for them, and go only over HTTPS or to this host.
 */
public final class ManifestProbe {

    private static final int TIMEOUT_MILLIS = 5_000;
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
            // A token service refusing the login lands here too: the full pull reports it.
            return Optional.empty();
        }
    }

    /** The answer to the registry's challenge: a bearer token from its realm, or basic credentials. */
    private static Optional<String> authorization(
            String header, OciReference reference, Supplier<Optional<RegistryCredential>> credential)
            throws IOException {
        Optional<RegistryAuth.Challenge> challenge = RegistryAuth.Challenge.parse(header);
        if (challenge.isEmpty()) {
            return Optional.empty();
        }
        if (challenge.get().isBasic()) {
            return credential.get().filter(given -> !given.isIdentityToken()).map(RegistryAuth::basic);
        }
        String realm = challenge.get().params().get("realm");
        if (!challenge.get().isBearer()
                || realm == null
                || !(realm.startsWith("https://")
                        || (realm.startsWith("http://")
                                && isLoopback(URI.create(realm).getHost())))) {
            return Optional.empty();
        }
        return Optional.of("Bearer "
                + RegistryAuth.token(
                        (uri, method) -> open(uri, method, null),
                        realm,
                        challenge.get().params().get("service"),
                        RegistryAuth.pullScope(reference),
                        credential.get()));
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
        connection.setRequestProperty("Accept", RegistryAuth.MANIFEST_TYPES);
        connection.setRequestProperty("User-Agent", "cocoon");
        if (authorization != null) {
            connection.setRequestProperty("Authorization", authorization);
        }
        return connection;
    }
}
