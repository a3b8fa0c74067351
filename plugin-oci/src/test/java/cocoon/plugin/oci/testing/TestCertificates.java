package cocoon.plugin.oci.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A test CA and a server certificate it signed for one IP address, made with the openssl CLI, for
 * registries that speak TLS ({@link RegistryFixture#tlsFront}).
 *
 * @param caPem       the CA certificate a client may be told to trust
 * @param certificate the server's certificate (PEM)
 * @param key         the server's private key (PEM)
 */
public record TestCertificates(Path caPem, Path certificate, Path key) {

    /** Writes the CA and a certificate for {@code address} into {@code dir}. */
    public static TestCertificates forAddress(Path dir, String address) throws IOException, InterruptedException {
        Path caPem = dir.resolve("ca.pem");
        Path caKey = dir.resolve("ca.key");
        openssl(
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                caKey.toString(),
                "-out",
                caPem.toString(),
                "-days",
                "2",
                "-subj",
                "/CN=Cocoon Test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign");
        Path key = dir.resolve("server.key");
        Path csr = dir.resolve("server.csr");
        openssl(
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                csr.toString(),
                "-subj",
                "/CN=" + address);
        Path extensions = Files.writeString(
                dir.resolve("server.ext"), "subjectAltName=IP:" + address + "\nextendedKeyUsage=serverAuth\n");
        Path certificate = dir.resolve("server.pem");
        openssl(
                "x509",
                "-req",
                "-in",
                csr.toString(),
                "-CA",
                caPem.toString(),
                "-CAkey",
                caKey.toString(),
                "-CAcreateserial",
                "-out",
                certificate.toString(),
                "-days",
                "2",
                "-extfile",
                extensions.toString());
        return new TestCertificates(caPem, certificate, key);
    }

    /** A server-side TLS context presenting {@link #certificate} with {@link #key}, for JDK servers. */
    public SSLContext serverContext() throws IOException, GeneralSecurityException {
        X509Certificate served;
        try (InputStream pem = Files.newInputStream(certificate)) {
            served = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(pem);
        }
        String pkcs8 = Files.readString(key).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey privateKey = KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pkcs8)));
        char[] password = "test".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", privateKey, password, new Certificate[] {served});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    private static void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("openssl failed: " + output);
        }
    }
}
