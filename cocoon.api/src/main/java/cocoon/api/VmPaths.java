package cocoon.api;

import java.nio.file.Path;

/**
 * A VM's three folders: its disks and record ({@code <root-dir>/vms/<id>}), its sockets and pid
 * file ({@code <run-dir>/<id>}), its console and hypervisor logs ({@code <log-dir>/<id>}).
 */
public record VmPaths(Path vmDir, Path runDir, Path logDir) {}
