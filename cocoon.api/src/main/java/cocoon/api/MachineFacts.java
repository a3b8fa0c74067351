package cocoon.api;

/**
 * What a VM's saved device and memory state holds true only on an identical machine: a state saved under one
 * set of these facts is loaded only under the same set.
 *
 * @param hypervisor   the driver's name ({@code qemu})
 * @param version      the hypervisor's version, e.g. {@code 7.2.11}
 * @param machineType  the versioned machine type, e.g. {@code pc-q35-7.2}
 * @param accel        the accelerator, e.g. {@code tcg}
 * @param cpuModel     the guest's CPU model, e.g. {@code max}
 */
public record MachineFacts(String hypervisor, String version, String machineType, String accel, String cpuModel) {

    /** {@code qemu 7.2.11, pc-q35-7.2, tcg, cpu max}: how an error names them. */
    public String describe() {
        return hypervisor + " " + version + ", " + machineType + ", " + accel + ", cpu " + cpuModel;
    }
}
