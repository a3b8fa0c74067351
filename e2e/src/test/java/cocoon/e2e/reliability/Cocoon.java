package cocoon.e2e.reliability;

import cocoon.e2e.CocoonCli;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The e2e harness with a config whose {@code [chv] binary} is the Cloud Hypervisor test double,
 * which starts in about a second: the reliability suite starts and kills many VMs.
 */
final class Cocoon extends CocoonCli {

    static final Path FAKE_CHV = REPO.resolve("testing/fake-cloud-hypervisor/cloud-hypervisor");

    Cocoon(Path base) throws IOException {
        super(base);
        config("[chv]\nbinary = \"" + FAKE_CHV + "\"\nstart_timeout = \"60s\"\n");
    }
}
