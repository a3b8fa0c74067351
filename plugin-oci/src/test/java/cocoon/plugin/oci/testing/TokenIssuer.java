package cocoon.plugin.oci.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The token service of a registry with token authentication, as Docker's token specification describes
 * it: Debian's {@code docker-registry} with {@code auth: token} verifies tokens but issues none. Tokens
 * are RS256 JWTs signed with a key whose self-signed certificate (made with openssl) is the registry's
 * {@code rootcertbundle}; each token carries that certificate in its {@code x5c} header, which is how
 * the registry finds the key. Anyone gets pull on repositories under {@code public/}; a user with the
 * right password (basic auth on GET) or refresh token (POST, {@code grant_type=refresh_token}) gets pull
 * and push on every repository. Wrong credentials get 401; an anonymous request for a private repository
 * gets a token that grants nothing, as Docker Hub's service answers.
 */
public final class TokenIssuer implements AutoCloseable {

    public static final String SERVICE = "cocoon-test-registry";
    public static final String ISSUER = "cocoon-test-issuer";
    private static final String PUBLIC_PREFIX = "public/";

    private final HttpServer server;
    private final String base;
    private final PrivateKey key;
    private final String certificateBase64;
    private final Path certificate;
    private final Map<String, String> passwords;
    private final Map<String, String> refreshTokens;
    private final ObjectMapper json = new ObjectMapper();
    private final List<String> grants = new CopyOnWriteArrayList<>();

    private TokenIssuer(
            HttpServer server,
            String base,
            PrivateKey key,
            Path certificate,
            Map<String, String> passwords,
            Map<String, String> refreshTokens)
            throws IOException, GeneralSecurityException {
        this.server = server;
        this.base = base;
        this.key = key;
        this.certificate = certificate;
        try (InputStream pem = Files.newInputStream(certificate)) {
            this.certificateBase64 = Base64.getEncoder()
                    .encodeToString(CertificateFactory.getInstance("X.509")
                            .generateCertificate(pem)
                            .getEncoded());
        }
        this.passwords = Map.copyOf(passwords);
        this.refreshTokens = Map.copyOf(refreshTokens);
    }

    /**
     * Makes the signing key and certificate in {@code dir} and listens on a free loopback port.
     *
     * @param passwords     user name to password
     * @param refreshTokens identity (refresh) token to the user it stands for
     */
    public static TokenIssuer start(Path dir, Map<String, String> passwords, Map<String, String> refreshTokens)
            throws IOException, InterruptedException, GeneralSecurityException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        return serve(server, "http://127.0.0.1:" + server.getAddress().getPort(), dir, passwords, refreshTokens);
    }

    /**
     * Like {@link #start}, but over HTTPS on {@code address} with {@code tls}' certificate, as hosted realms
     * are; an address outside loopback only inside a network namespace, through {@link HttpsTokenRealm}.
     */
    public static TokenIssuer startTls(
            Path dir,
            String address,
            TestCertificates tls,
            Map<String, String> passwords,
            Map<String, String> refreshTokens)
            throws IOException, InterruptedException, GeneralSecurityException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(address, 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls.serverContext()));
        return serve(server, "https://" + address + ":" + server.getAddress().getPort(), dir, passwords, refreshTokens);
    }

    private static TokenIssuer serve(
            HttpServer server, String base, Path dir, Map<String, String> passwords, Map<String, String> refreshTokens)
            throws IOException, InterruptedException, GeneralSecurityException {
        Path keyPem = dir.resolve("token-signing.key");
        Path certificate = dir.resolve("token-signing.pem");
        Process openssl = new ProcessBuilder(
                        "openssl",
                        "req",
                        "-x509",
                        "-newkey",
                        "rsa:2048",
                        "-nodes",
                        "-keyout",
                        keyPem.toString(),
                        "-out",
                        certificate.toString(),
                        "-days",
                        "2",
                        "-subj",
                        "/CN=" + ISSUER)
                .redirectErrorStream(true)
                .start();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (openssl.waitFor() != 0) {
            throw new IllegalStateException("openssl failed: " + output);
        }
        String pkcs8 =
                Files.readString(keyPem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey key = KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pkcs8)));
        TokenIssuer issuer = new TokenIssuer(server, base, key, certificate, passwords, refreshTokens);
        server.createContext("/token", issuer::answer);
        server.start();
        return issuer;
    }

    /** Where the registry sends clients for a token. */
    public String realm() {
        return base + "/token";
    }

    /** The certificate the registry verifies tokens with ({@code rootcertbundle}). */
    public Path certificate() {
        return certificate;
    }

    /** Every token handed out, as {@code <who> <scope> -> <granted actions>}; who is "anonymous" without credentials. */
    public List<String> grants() {
        return List.copyOf(grants);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, List<String>> params = new LinkedHashMap<>();
            parse(exchange.getRequestURI().getRawQuery(), params);
            if (exchange.getRequestMethod().equals("POST")) {
                try (InputStream body = exchange.getRequestBody()) {
                    parse(new String(body.readAllBytes(), StandardCharsets.UTF_8), params);
                }
            }
            String user;
            try {
                user = authenticate(exchange, params);
            } catch (SecurityException rejected) {
                send(exchange, 401, Map.of("details", rejected.getMessage()));
                return;
            }
            List<Map<String, Object>> access = new ArrayList<>();
            for (String scope : params.getOrDefault("scope", List.of())) {
                String[] parts = scope.split(":", -1);
                if (parts.length != 3 || !parts[0].equals("repository")) {
                    continue;
                }
                List<String> granted = List.of(parts[2].split(",")).stream()
                        .filter(action -> user != null
                                ? action.equals("pull") || action.equals("push")
                                : action.equals("pull") && parts[1].startsWith(PUBLIC_PREFIX))
                        .toList();
                grants.add((user == null ? "anonymous" : user) + " " + scope + " -> " + String.join(",", granted));
                access.add(Map.of("type", "repository", "name", parts[1], "actions", granted));
            }
            String token = sign(user == null ? "" : user, access);
            send(
                    exchange,
                    200,
                    Map.of(
                            "token",
                            token,
                            "access_token",
                            token,
                            "expires_in",
                            300,
                            "issued_at",
                            Instant.now().toString()));
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** The user the request proves to be, or null for an anonymous one; SecurityException for wrong credentials. */
    private String authenticate(HttpExchange exchange, Map<String, List<String>> params) {
        if (params.containsKey("refresh_token")) {
            String user = refreshTokens.get(params.get("refresh_token").get(0));
            if (user == null || !List.of("refresh_token").equals(params.get("grant_type"))) {
                throw new SecurityException("invalid refresh token");
            }
            return user;
        }
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null) {
            return null;
        }
        if (!authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw new SecurityException("basic authentication expected");
        }
        String decoded =
                new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        String user = colon < 0 ? decoded : decoded.substring(0, colon);
        if (colon < 0 || !decoded.substring(colon + 1).equals(passwords.get(user))) {
            throw new SecurityException("incorrect username or password");
        }
        return user;
    }

    private String sign(String subject, List<Map<String, Object>> access) throws IOException, GeneralSecurityException {
        long now = Instant.now().getEpochSecond();
        Map<String, Object> header = Map.of("typ", "JWT", "alg", "RS256", "x5c", List.of(certificateBase64));
        Map<String, Object> claims = Map.of(
                "iss",
                ISSUER,
                "sub",
                subject,
                "aud",
                SERVICE,
                "exp",
                now + 300,
                "nbf",
                now - 10,
                "iat",
                now,
                "jti",
                UUID.randomUUID().toString(),
                "access",
                access);
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String signed = url.encodeToString(json.writeValueAsBytes(header)) + "."
                + url.encodeToString(json.writeValueAsBytes(claims));
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(key);
        rsa.update(signed.getBytes(StandardCharsets.US_ASCII));
        return signed + "." + url.encodeToString(rsa.sign());
    }

    private void send(HttpExchange exchange, int status, Map<String, Object> body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void parse(String form, Map<String, List<String>> into) {
        if (form == null || form.isEmpty()) {
            return;
        }
        for (String pair : form.split("&", -1)) {
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            into.computeIfAbsent(name, ignored -> new ArrayList<>()).add(value);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
