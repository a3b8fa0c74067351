package cocoon.api;

import java.time.Duration;
import java.util.List;

/**
 * One VM's hypervisor process, run detached and recognised by its pid file and command-line marker. The
 * same machinery serves every driver, so every driver answers the same state contract:
 * <ul>
 *   <li>never started: {@code CREATED};</li>
 *   <li>running: whatever the live hypervisor says ({@link VmmControl#guest()});</li>
 *   <li>recorded as running, process gone after the guest powered off (or its run folder emptied by a stop or
 *       a reboot): {@code STOPPED};</li>
 *   <li>recorded as running, process killed or crashed: {@code ERROR};</li>
 *   <li>otherwise the recorded state.</li>
 * </ul>
 */
public interface VmmProcess {

    /** The pid of this VM's live hypervisor (the record's, else the pid file's), or 0 when there is none. */
    long livePid(long recordedPid);

    /**
     * Starts {@code argv} detached (the pid file written before it runs) and returns its pid once the control
     * API answers. A hypervisor that lingers with its guest off is ended first; a running one is refused. A
     * process that exits or stays silent past {@code startTimeout} fails the start with the end of its log.
     */
    long launch(VmRecord vm, List<String> argv, Duration startTimeout);

    /** The live state under the contract above. */
    VmState state(VmRecord vm);

    /**
     * Unless {@code force}, presses the power button, again every couple of seconds (a guest still booting
     * has no handler yet), until the process ends or {@code timeout} passes; then asks the hypervisor to
     * quit, then SIGTERM, then SIGKILL, each given the stop grace. Cleans the run folder after.
     */
    void powerOff(VmRecord vm, Duration timeout, boolean force);
}
