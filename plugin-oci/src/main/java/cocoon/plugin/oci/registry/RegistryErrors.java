package cocoon.plugin.oci.registry;

import cocoon.api.CocoonException;
import cocoon.api.DigestMismatchException;
import cocoon.api.NotFoundException;
import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.http.ResponseException;
import com.google.cloud.tools.jib.registry.RegistryCredentialsNotSentException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** The one-line errors the CLI shows for registry failures, from jib's exceptions or the pull client's own. */
final class RegistryErrors {

    private static final Pattern DIGEST = Pattern.compile("'(sha256:[0-9a-f]{64})'");

    private RegistryErrors() {}

    static CocoonException translate(Throwable failure, OciReference reference, String action) {
        return translate(failure, reference, action, Optional.empty());
    }

    /** {@code credential} is what the session logged in with, so a refusal can say which login to fix. */
    static CocoonException translate(
            Throwable failure, OciReference reference, String action, Optional<RegistryCredential> credential) {
        String registry = reference.registry();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof CocoonException known) {
                return known;
            }
            if (cause instanceof RegistryUnauthorizedException
                    || cause instanceof RegistryAuthenticationFailedException) {
                return refused(cause, reference, credential);
            }
            if (cause instanceof RegistryCredentialsNotSentException) {
                return new CocoonException(
                        "registry " + registry + " wants credentials but speaks plain HTTP",
                        "serve the registry over TLS; credentials are sent over plain HTTP only to a loopback registry or with --insecure");
            }
            if (cause instanceof InsecureRegistryException) {
                return new CocoonException(
                        "registry " + registry + " has no TLS certificate this host trusts",
                        "pass its CA certificate with --ca-file, or --insecure if you trust the network");
            }
            if (cause instanceof ResponseException response && response.getStatusCode() == 404) {
                return notFound(reference, action);
            }
            if (cause.getClass().getSimpleName().equals("UnexpectedBlobDigestException")) {
                // jib says "The pulled BLOB has digest 'A', but the request digest was 'B'": report it as expected B,
                // got A.
                List<String> digests = DIGEST.matcher(String.valueOf(cause.getMessage()))
                        .results()
                        .map(m -> m.group(1))
                        .toList();
                return digests.size() == 2
                        ? new DigestMismatchException(
                                "a blob of " + reference.canonical(), digests.get(1), digests.get(0))
                        : new DigestMismatchException(
                                "a blob of " + reference.canonical(),
                                "the digest the manifest names",
                                cause.getMessage());
            }
            if (cause instanceof UnknownHostException || cause instanceof ConnectException) {
                return unreachable(reference, cause);
            }
        }
        return failed(reference, action, failure);
    }

    static NotFoundException notFound(OciReference reference, String action) {
        return new NotFoundException(
                reference.canonical() + " was not found on " + reference.registry() + " while " + action,
                "check the repository name and the tag or digest");
    }

    static CocoonException unreachable(OciReference reference, Throwable cause) {
        return new CocoonException(
                "cannot reach registry " + reference.registry() + ": " + cause.getMessage(),
                "check the registry name, that it is up, and the network");
    }

    static CocoonException failed(OciReference reference, String action, Throwable failure) {
        return new CocoonException(
                "registry " + reference.registry() + " failed while " + action + ": " + describe(failure),
                "retry; if it persists, check the registry and the network (--debug shows the cause)",
                failure);
    }

    /**
     * Without credentials every refusal means "log in" (registries answer 401 for a repository that does
     * not exist too, so the name is worth a check). With them, the token service turning them down means
     * they are wrong or expired; the registry turning down the token means this user may not pull it.
     */
    private static CocoonException refused(
            Throwable cause, OciReference reference, Optional<RegistryCredential> credential) {
        if (cause instanceof RegistryAuthenticationFailedException && !rejectedCredentials(cause)) {
            return tokenServiceFailed(reference, cause);
        }
        return refused(reference, credential, cause instanceof RegistryAuthenticationFailedException);
    }

    /**
     * {@code byTokenService}: the token service turned the credentials down, rather than the registry the token or
     * credentials it was handed.
     */
    static CocoonException refused(
            OciReference reference, Optional<RegistryCredential> credential, boolean byTokenService) {
        String registry = reference.registry();
        String login = registry.equals(OciReference.DOCKER_HUB_API) ? "docker login" : "docker login " + registry;
        if (credential.isEmpty()) {
            return new CocoonException(
                    "registry " + registry + " requires authentication to pull " + reference.repository()
                            + " and no credentials for it were found",
                    "run '" + login + "' or put them in $DOCKER_CONFIG/config.json (default ~/.docker/config.json), "
                            + "a credential helper works too; check the image name as well");
        }
        RegistryCredential given = credential.get();
        if (byTokenService) {
            return new CocoonException(
                    "registry " + registry + " rejected the credentials of " + given.who() + " from " + given.source(),
                    "they are wrong or expired: run '" + login + "' again, or fix them there");
        }
        return new CocoonException(
                "registry " + registry + " refused " + given.who() + " (from " + given.source() + ") access to "
                        + reference.repository(),
                "check the image name, and that this account may pull it; if it may, its password or "
                        + "token is wrong or expired: run '" + login + "' again");
    }

    static CocoonException tokenServiceFailed(OciReference reference, Throwable cause) {
        return new CocoonException(
                "the token service of registry " + reference.registry() + " failed: " + describe(cause),
                "retry; if it persists, check the registry (--debug shows the cause)",
                cause);
    }

    /** The token service answered 401 or 403 to the credentials, rather than failing some other way. */
    private static boolean rejectedCredentials(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ResponseException response
                    && (response.getStatusCode() == 401 || response.getStatusCode() == 403)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        return message == null
                ? failure.getClass().getSimpleName()
                : message.strip().replaceAll("\\s*\\n\\s*", " | ");
    }
}
