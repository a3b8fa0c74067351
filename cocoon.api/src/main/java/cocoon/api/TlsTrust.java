package cocoon.api;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS trust {@link PullOptions} ask for: the JDK's system trust store, plus the certificates of a
 * user's PEM CA file when given; or, with {@code --insecure}, any certificate for any host.
 */
final class TlsTrust {

    private TlsTrust() {}

    static SSLContext context(boolean insecure, Path caFile) {
        try {
            if (insecure) {
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new TrustManager[] {new AnyCertificate()}, null);
                return context;
            }
            if (caFile == null) {
                return SSLContext.getDefault();
            }
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int n = 0;
            for (X509Certificate system : systemTrustManager().getAcceptedIssuers()) {
                trusted.setCertificateEntry("system-" + n++, system);
            }
            for (Certificate extra : readPem(caFile)) {
                trusted.setCertificateEntry("ca-file-" + n++, extra);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS trust: " + e.getMessage(), e);
        }
    }

    private static Collection<? extends Certificate> readPem(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            Collection<? extends Certificate> certificates =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new InvalidInputException(
                        "no certificate in " + caFile, "pass a PEM file with the CA certificate");
            }
            return certificates;
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(
                    "CA file " + caFile + " does not exist", "pass the path of the CA's PEM file");
        } catch (IOException e) {
            throw new InvalidInputException(
                    "cannot read CA file " + caFile + " (" + e.getClass().getSimpleName() + ")",
                    "check that it is a file you may read");
        } catch (GeneralSecurityException e) {
            // The JDK's own words (DerValue, OIDs) tell a user nothing: a key or a request parses this far too.
            throw new InvalidInputException(
                    "CA file " + caFile + " is not a PEM certificate",
                    "pass the CA's certificate (-----BEGIN CERTIFICATE-----), not its key or a signing request");
        }
    }

    /**
     * Accepts every chain and, being an extended trust manager, also skips the host name check that
     * the JDK would otherwise make for it.
     */
    private static final class AnyCertificate extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    private static X509TrustManager systemTrustManager() throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager in the system trust store");
    }
}
