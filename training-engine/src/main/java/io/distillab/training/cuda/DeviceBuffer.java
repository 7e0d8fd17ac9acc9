package io.distillab.training.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD16;
import static jcuda.driver.JCudaDriver.cuMemsetD32;

import io.distillab.training.npy.NpyArray;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * Device memory from {@code cuMemAlloc}, freed on close. Every buffer is allocated with
 * {@link #SLACK} spare bytes so a kernel's last 16-byte load never leaves the allocation. A
 * {@link #view} is a range of another buffer: it frees nothing, its owner does.
 */
public final class DeviceBuffer implements AutoCloseable {
    public static final long SLACK = 16;

    private final CUdeviceptr pointer;
    private final long bytes;
    private final boolean owner;
    private boolean freed;

    private DeviceBuffer(long bytes) {
        this.pointer = new CUdeviceptr();
        this.bytes = bytes;
        this.owner = true;
        cuMemAlloc(pointer, Math.max(1, bytes) + SLACK);
    }

    private DeviceBuffer(CUdeviceptr pointer, long bytes) {
        this.pointer = pointer;
        this.bytes = bytes;
        this.owner = false;
    }

    /** {@code bytes} bytes of this buffer from {@code offset}, valid while this buffer is open. */
    public DeviceBuffer view(long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset + bytes > this.bytes) {
            throw new IllegalArgumentException("view [" + offset + ", " + (offset + bytes) + ") is outside the "
                    + this.bytes + " bytes of the buffer");
        }
        return new DeviceBuffer(pointer.withByteOffset(offset), bytes);
    }

    public static DeviceBuffer allocate(long bytes) {
        return new DeviceBuffer(bytes);
    }

    /** A buffer holding a copy of the array (C order, the array's dtype). */
    public static DeviceBuffer upload(NpyArray array) {
        DeviceBuffer buffer = new DeviceBuffer(array.byteCount());
        buffer.copyFrom(array);
        return buffer;
    }

    public static DeviceBuffer upload(int[] values) {
        DeviceBuffer buffer = new DeviceBuffer(4L * values.length);
        if (values.length > 0) {
            cuMemcpyHtoD(buffer.pointer, Pointer.to(values), 4L * values.length);
        }
        return buffer;
    }

    public static DeviceBuffer upload(float[] values) {
        DeviceBuffer buffer = new DeviceBuffer(4L * values.length);
        if (values.length > 0) {
            cuMemcpyHtoD(buffer.pointer, Pointer.to(values), 4L * values.length);
        }
        return buffer;
    }

    public CUdeviceptr pointer() {
        return pointer;
    }

    public long bytes() {
        return bytes;
    }

    public void copyFrom(NpyArray array) {
        long offset = 0;
        int size = array.dtype().size();
        for (int b = 0; b < array.blockCount(); b++) {
            long n = (long) array.blockLength(b) * size;
            cuMemcpyHtoD(pointer.withByteOffset(offset), hostPointer(array.block(b)), n);
            offset += n;
        }
    }

    public void copyTo(NpyArray array) {
        long offset = 0;
        int size = array.dtype().size();
        for (int b = 0; b < array.blockCount(); b++) {
            long n = (long) array.blockLength(b) * size;
            cuMemcpyDtoH(hostPointer(array.block(b)), pointer.withByteOffset(offset), n);
            offset += n;
        }
    }

    public void copyTo(float[] values) {
        cuMemcpyDtoH(Pointer.to(values), pointer, 4L * values.length);
    }

    /** Fills the buffer with a 32-bit pattern (its size must be a multiple of 4). */
    public void fill32(int pattern) {
        cuMemsetD32(pointer, pattern, bytes / 4);
    }

    /** Fills the buffer with a 16-bit pattern (its size must be a multiple of 2). */
    public void fill16(short pattern) {
        cuMemsetD16(pointer, pattern, bytes / 2);
    }

    private static Pointer hostPointer(Object block) {
        if (block instanceof float[] f) {
            return Pointer.to(f);
        } else if (block instanceof short[] s) {
            return Pointer.to(s);
        } else if (block instanceof int[] i) {
            return Pointer.to(i);
        } else if (block instanceof long[] l) {
            return Pointer.to(l);
        } else {
            return Pointer.to((byte[]) block);
        }
    }

    @Override
    public synchronized void close() {
        if (!freed) {
            freed = true;
            if (owner) {
                cuMemFree(pointer);
            }
        }
    }
}
