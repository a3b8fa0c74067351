package cocoon.plugin.oci.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TokenIssuer} over HTTPS in a JVM of its own, started through a launcher such as
 * {@code ip netns exec NS}: a socket belongs to the network namespace of the thread that opens it, so a
 * realm on an address outside loopback is served from a process inside the namespace the test made
 * (DESIGN §6), not from the test's JVM. The process ends when its standard input closes, so it dies
 * with the test too.
 */
public final class HttpsTokenRealm implements AutoCloseable {

    private final Process process;
    private final String realm;
    private final Path certificate;

    private HttpsTokenRealm(Process process, String realm, Path certificate) {
        this.process = process;
        this.realm = realm;
        this.certificate = certificate;
    }

    /**
     * Starts the issuer on {@code address} with {@code tls}' certificate, its signing key and certificate
     * made in {@code dir}, and waits until it listens.
     *
     * @param passwords user name to password
     */
    public static HttpsTokenRealm start(
            Path dir, List<String> launcher, String address, TestCertificates tls, Map<String, String> passwords)
            throws IOException {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                HttpsTokenRealm.class.getName(),
                dir.toString(),
                address,
                tls.caPem().toString(),
                tls.certificate().toString(),
                tls.key().toString()));
        passwords.forEach((user, password) -> command.add(user + ":" + password));
        Path log = dir.resolve("token-realm.log");
        Process process =
                new ProcessBuilder(command).redirectError(log.toFile()).start();
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String realm = out.readLine();
        if (realm == null) {
            throw new IllegalStateException("the token realm did not start: " + Files.readString(log));
        }
        return new HttpsTokenRealm(process, realm, dir.resolve("token-signing.pem"));
    }

    /** Where the registry sends clients for a token. */
    public String realm() {
        return realm;
    }

    /** The certificate the registry verifies tokens with ({@code rootcertbundle}). */
    public Path certificate() {
        return certificate;
    }

    /**
     * The process {@link #start} runs: {@code DIR ADDRESS CA_PEM CERTIFICATE KEY USER:PASSWORD...}; prints
     * the realm once it listens, serves until standard input closes.
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> passwords = new LinkedHashMap<>();
        for (String user : List.of(args).subList(5, args.length)) {
            int colon = user.indexOf(':');
            passwords.put(user.substring(0, colon), user.substring(colon + 1));
        }
        TestCertificates tls = new TestCertificates(Path.of(args[2]), Path.of(args[3]), Path.of(args[4]));
        try (TokenIssuer issuer = TokenIssuer.startTls(Path.of(args[0]), args[1], tls, passwords, Map.of())) {
            System.out.println(issuer.realm());
            System.out.flush();
            System.in.transferTo(OutputStream.nullOutputStream());
        }
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            // Kept, not thrown: thrown from close it could end up suppressed under the body's exception and be lost.
            Thread.currentThread().interrupt();
        }
    }
}
