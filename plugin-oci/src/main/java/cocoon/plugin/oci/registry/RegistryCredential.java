package cocoon.plugin.oci.registry;

/**
 * What a registry is logged in with, and where it came from, so an error can name the file or helper to fix.
 *
 * @param username the user name, or {@value #IDENTITY_TOKEN_USER} when {@code secret} is an identity token
 * @param secret   the password, access token or identity (refresh) token
 * @param source   where it was found: the config file, or the credential helper and its config file
 */
public record RegistryCredential(String username, String secret, String source) {

    /** The user name docker stores beside an identity token, and what jib reads as an OAuth2 refresh token. */
    public static final String IDENTITY_TOKEN_USER = "<token>";

    public boolean isIdentityToken() {
        return IDENTITY_TOKEN_USER.equals(username);
    }

    /** Who the registry sees: the user name, or "an identity token". */
    public String who() {
        return isIdentityToken() ? "an identity token" : username;
    }

    @Override
    public String toString() {
        return "RegistryCredential[" + who() + " from " + source + "]";
    }
}
