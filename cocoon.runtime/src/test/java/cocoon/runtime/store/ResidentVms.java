package cocoon.runtime.store;

import cocoon.api.VmRecord;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Fills a store with resident VMs for {@code bench/scale.sh}, through {@link VmStore#insert} as {@code create}
 * does (name check, name entry, record), each a copy of a record {@code create} wrote under a new id and name,
 * its disk paths moved into its own folder, without the disks: formatting 10,000 of them would
 * measure the disk, not the store. Lives with the tests so that it never ships.
 * Usage: {@code ResidentVms ROOT TEMPLATE_VM_JSON PREFIX FROM TO} makes {@code PREFIX-FROM} .. {@code PREFIX-(TO-1)}.
 */
public final class ResidentVms {

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args[0]);
        ObjectNode template = (ObjectNode) Json.mapper().readTree(Files.readAllBytes(Path.of(args[1])));
        String prefix = args[2];
        int from = Integer.parseInt(args[3]);
        int to = Integer.parseInt(args[4]);
        VmStore store = new VmStore(
                root, root.resolve("run"), root.resolve("log"), FileStoreLocks.forRoot(root), new AtomicJsonFiles());
        String templateId = template.get("id").asText();
        for (int i = from; i < to; i++) {
            String id = HexFormat.of().formatHex(randomBytes(templateId.length() / 2));
            String name = prefix + "-" + i;
            String moved = template.toString().replace(templateId, id);
            ObjectNode copy = (ObjectNode) Json.mapper().readTree(moved);
            copy.put("name", name);
            ((ObjectNode) copy.get("spec")).put("name", name);
            VmRecord record = Json.mapper().treeToValue(copy, VmRecord.class);
            store.insert(taken -> {
                VmStore.requireFree(name, taken);
                return record;
            });
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
