package cocoon.plugin.oci.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The reference a snapshot's missing image is pulled back by: its repository at the digest the snapshot recorded. */
class DigestReferenceTest {

    private static final String DIGEST = "sha256:" + "b".repeat(64);

    @Test
    void aTaggedReferenceBecomesItsRepositoryAtTheDigest() {
        assertEquals(
                "localhost:5000/cocoon/demo@" + DIGEST,
                OciArtifacts.byDigest("localhost:5000/cocoon/demo:latest", DIGEST));
    }

    @Test
    void aDockerHubShortNameIsSpelledOutAndAnEarlierDigestReplaced() {
        assertEquals("docker.io/library/ubuntu@" + DIGEST, OciArtifacts.byDigest("ubuntu", DIGEST));
        assertEquals(
                "ghcr.io/org/img@" + DIGEST, OciArtifacts.byDigest("ghcr.io/org/img@sha256:" + "c".repeat(64), DIGEST));
    }
}
