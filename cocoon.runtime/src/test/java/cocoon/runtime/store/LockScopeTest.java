package cocoon.runtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.CocoonException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The lock names the runtime gives plugins never meet its own or each other's. */
class LockScopeTest {

    @ParameterizedTest
    @ValueSource(strings = {"vms", "vm", "vms-index", "index", "oci"})
    void noPluginLockIsOneOfTheRuntimesOwnWhateverThePluginIsCalled(String plugin) {
        List<LockScope> scopes =
                List.of(LockScope.imageSource(plugin), LockScope.diskBuilder(plugin), LockScope.hypervisor(plugin));
        for (LockScope scope : scopes) {
            for (String lock : List.of(scope.store(), scope.own("index"), scope.own("vms"))) {
                assertFalse(VmStore.ownsLock(lock), lock);
                assertTrue(LockScope.isPluginLock(lock), lock);
            }
        }
    }

    @Test
    void aDiskBuilderSharesItsImageKindsStoreLockButKeepsItsOwnLocksApart() {
        assertEquals("images.oci", LockScope.imageSource("oci").store());
        assertEquals(
                LockScope.imageSource("oci").store(),
                LockScope.diskBuilder("oci").store());
        assertNotEquals(
                LockScope.imageSource("oci").own("index"),
                LockScope.diskBuilder("oci").own("index"));
        assertNotEquals(
                LockScope.imageSource("oci").store(),
                LockScope.hypervisor("oci").store());
    }

    @Test
    void ownLocksOfPluginsWhoseNamesRunTogetherStayApart() {
        assertNotEquals(
                LockScope.imageSource("a").own("b-c"),
                LockScope.imageSource("a-b").own("c"));
    }

    @Test
    void aPluginNameThatCannotNameALockFileIsRefused() {
        CocoonException error = assertThrows(CocoonException.class, () -> LockScope.imageSource("../etc"));
        assertEquals("plugin name '../etc' cannot name a lock", error.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> LockScope.imageSource("oci").own("a.b"));
    }
}
