package cocoon.plugin.cloudimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Image;
import cocoon.api.InvalidInputException;
import cocoon.api.PullOptions;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS against a server whose certificate a test CA (made with the openssl CLI) signed. */
class HttpsPullTest {

    @TempDir
    Path dir;

    private ImageServer server;
    private Path caPem;
    private final byte[] raw = TestImages.raw(5);

    @BeforeEach
    void start() throws Exception {
        caPem = dir.resolve("ca.pem");
        Path key = dir.resolve("ca.key");
        Tools.run(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                key.toString(),
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
        Path serverKey = dir.resolve("server.key");
        Path csr = dir.resolve("server.csr");
        Tools.run(
                "openssl",
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                serverKey.toString(),
                "-out",
                csr.toString(),
                "-subj",
                "/CN=127.0.0.1");
        Path ext = Files.writeString(
                dir.resolve("server.ext"),
                "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
        Path cert = dir.resolve("server.pem");
        Tools.run(
                "openssl",
                "x509",
                "-req",
                "-in",
                csr.toString(),
                "-CA",
                caPem.toString(),
                "-CAkey",
                key.toString(),
                "-CAcreateserial",
                "-out",
                cert.toString(),
                "-days",
                "2",
                "-extfile",
                ext.toString());
        Path p12 = dir.resolve("server.p12");
        Tools.run(
                "openssl",
                "pkcs12",
                "-export",
                "-in",
                cert.toString(),
                "-inkey",
                serverKey.toString(),
                "-certfile",
                caPem.toString(),
                "-out",
                p12.toString(),
                "-passout",
                "pass:changeit");

        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), null, null);
        server = ImageServer.https(tls);
        server.file("/disk.raw", raw, false);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void serverSignedByAnUnknownCaIsRefusedWithAHintAboutTheCaFile() {
        PullFixture store = new PullFixture(dir);

        DownloadException e = assertThrows(
                DownloadException.class,
                () -> store.source.pull(server.url("/disk.raw"), PullOptions.defaults(), ev -> {}));

        assertTrue(
                e.getMessage().startsWith("GET " + server.url("/disk.raw") + ": TLS with 127.0.0.1:"), e.getMessage());
        assertTrue(e.hint().contains("--ca-file"), e.hint());
        assertEquals(Map.of(), store.storeSnapshot());
    }

    @Test
    void caFileMakesTheServerTrusted() {
        PullFixture store = new PullFixture(dir);

        Image image =
                store.source.pull(server.url("/disk.raw"), new PullOptions(false, false, null, null, caPem), e -> {});

        assertEquals("sha256:" + Tools.sha256(raw), image.digest());
    }

    @Test
    void insecureAcceptsACertificateNoTrustedCaSigned() {
        PullFixture store = new PullFixture(dir);

        Image image =
                store.source.pull(server.url("/disk.raw"), new PullOptions(true, false, null, null, null), e -> {});

        assertEquals("sha256:" + Tools.sha256(raw), image.digest());
    }

    @Test
    void caFileThatHoldsNoCertificateIsInvalidInput() throws Exception {
        PullFixture store = new PullFixture(dir);
        Path notPem = Files.writeString(dir.resolve("not.pem"), "hello\n");

        assertThrows(
                InvalidInputException.class,
                () -> store.source.pull(
                        server.url("/disk.raw"), new PullOptions(false, false, null, null, notPem), e -> {}));
    }
}
