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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The registry side of a login, as the distribution spec and Docker's token specification describe it: a
 * {@code 401} names a scheme in {@code WWW-Authenticate}; for {@code Basic} the credentials go along with every
 * request, for {@code Bearer} they are exchanged at the challenge's realm for a token that does.
 */
final class RegistryAuth {

    /** The manifest kinds a pull accepts; the registry picks among them (and answers an index for a multi-arch tag). */
    static final String MANIFEST_TYPES = String.join(
            ", ",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.v1+prettyjws",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.index.v1+json");

    /** A token response is a few kilobytes. */
    private static final int MAX_TOKEN_RESPONSE = 1 << 20;

    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private RegistryAuth() {}

    /** What a registry's {@code WWW-Authenticate} header asks for. */
    record Challenge(String scheme, Map<String, String> params) {

        static Optional<Challenge> parse(String header) {
            if (header == null || header.isBlank()) {
                return Optional.empty();
            }
            String trimmed = header.strip();
            int space = trimmed.indexOf(' ');
            String scheme = (space < 0 ? trimmed : trimmed.substring(0, space)).toLowerCase(Locale.ROOT);
            Map<String, String> params = new LinkedHashMap<>();
            Matcher matcher = CHALLENGE_PARAM.matcher(trimmed);
            while (matcher.find()) {
                params.put(matcher.group(1), matcher.group(2));
            }
            return Optional.of(new Challenge(scheme, Map.copyOf(params)));
        }

        boolean isBasic() {
            return scheme.equals("basic");
        }

        boolean isBearer() {
            return scheme.equals("bearer");
        }
    }

    /** The token service answered something else than a token: {@code status} says what. */
    static final class TokenRefusedException extends IOException {
        private static final long serialVersionUID = 1L;
        final int status;

        TokenRefusedException(int status, String realm) {
            super("the token service at " + realm + " answered HTTP " + status);
            this.status = status;
        }
    }

    /** Opens a connection the way the caller's TLS and timeout rules say. */
    interface Connector {
        HttpURLConnection open(URI uri, String method) throws IOException;
    }

    /** The scope a pull token is asked for. */
    static String pullScope(OciReference reference) {
        return "repository:" + reference.repository() + ":pull";
    }

    /**
     * A token from the realm: anonymous (Docker Hub and most registries hand those out for public images), with
     * basic credentials, or for an identity token through the OAuth2 refresh-token grant.
     */
    static String token(
            Connector connector, String realm, String service, String scope, Optional<RegistryCredential> credential)
            throws IOException {
        StringBuilder query = new StringBuilder("scope=").append(encode(scope));
        if (service != null) {
            query.append("&service=").append(encode(service));
        }
        HttpURLConnection request;
        if (credential.isPresent() && credential.get().isIdentityToken()) {
            request = connector.open(URI.create(realm), "POST");
            request.setDoOutput(true);
            request.setRequestProperty("Content-Type", "application/x-www-form-urlencoded");
            try (OutputStream body = request.getOutputStream()) {
                body.write((query + "&grant_type=refresh_token&client_id=cocoon&refresh_token="
                                + encode(credential.get().secret()))
                        .getBytes(StandardCharsets.UTF_8));
            }
        } else {
            request = connector.open(URI.create(realm + (realm.contains("?") ? '&' : '?') + query), "GET");
            credential.ifPresent(given -> request.setRequestProperty("Authorization", basic(given)));
        }
        int status = request.getResponseCode();
        if (status != HttpURLConnection.HTTP_OK) {
            request.disconnect();
            throw new TokenRefusedException(status, realm);
        }
        try (InputStream body = request.getInputStream()) {
            JsonNode json = new ObjectMapper().readTree(body.readNBytes(MAX_TOKEN_RESPONSE));
            JsonNode token = json.hasNonNull("token") ? json.get("token") : json.get("access_token");
            if (token == null || !token.isTextual()) {
                throw new IOException("the token service at " + realm + " answered without a token");
            }
            return token.asText();
        }
    }

    static String basic(RegistryCredential credential) {
        return "Basic "
                + Base64.getEncoder()
                        .encodeToString(
                                (credential.username() + ":" + credential.secret()).getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
