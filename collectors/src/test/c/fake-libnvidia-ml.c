/*
 * A stand-in for the driver's libnvidia-ml.so.1, for BytedecoNvmlStubDriverTest: two GPUs with fixed values, enough
 * NVML (API 13 signatures and struct layouts, as in nvml.h) for BytedecoNvml and NvmlProbe. It checks what a real
 * driver would reject (struct versions, the all-links scope, the event mask) so that wrong calls fail the test, and
 * counts GPM samples so that a leak shows. GPU 0 is an H100 in MIG mode with one 1g.10gb instance; GPU 1 an L4.
 * STUB_NVML_GPUS (1 to 8, default 2) sets how many GPUs there are, for bench/busy-node.sh: every fourth GPU (0, 4) is
 * an H100 like GPU 0, the others L4s like GPU 1, each with its own UUID and bus id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int nvmlReturn_t;
enum { OK = 0, INVALID_ARGUMENT = 2, NOT_SUPPORTED = 3, NOT_FOUND = 6, INSUFFICIENT_SIZE = 7, TIMEOUT = 10,
       VERSION_MISMATCH = 25 };

typedef struct nvmlDevice_st { unsigned index; int mig; unsigned gi; } *nvmlDevice_t;
#define MAX_GPUS 8
static struct nvmlDevice_st gpus[MAX_GPUS] = {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {3, 0, 0},
                                              {4, 0, 0}, {5, 0, 0}, {6, 0, 0}, {7, 0, 0}};
static struct nvmlDevice_st migDevices[MAX_GPUS] = {{0, 1, 3}, {1, 1, 3}, {2, 1, 3}, {3, 1, 3},
                                                    {4, 1, 3}, {5, 1, 3}, {6, 1, 3}, {7, 1, 3}};

static unsigned gpuCount(void) {
  const char *configured = getenv("STUB_NVML_GPUS");
  int count = configured ? atoi(configured) : 2;
  return count < 1 ? 1 : count > MAX_GPUS ? MAX_GPUS : (unsigned) count;
}
/* GPU 0 and every fourth one after it: an H100 in MIG mode; the others: L4s. */
static int inMigMode(nvmlDevice_t device) { return device->index % 4 == 0; }

typedef struct { char busIdLegacy[16]; unsigned domain, bus, device, pciDeviceId, pciSubSystemId; char busId[32]; }
    nvmlPciInfo_t;
typedef struct { unsigned gpu, memory; } nvmlUtilization_t;
typedef struct { unsigned version; unsigned long long total, reserved, free, used; } nvmlMemory_v2_t;
typedef union { double dVal; int siVal; unsigned uiVal; unsigned long ulVal; unsigned long long ullVal;
                signed long long sllVal; unsigned short usVal; } nvmlValue_t;
typedef struct { unsigned fieldId, scopeId; long long timestamp, latencyUsec; int valueType; nvmlReturn_t nvmlReturn;
                 nvmlValue_t value; } nvmlFieldValue_t;
typedef struct { unsigned pid; unsigned long long usedGpuMemory; unsigned gpuInstanceId, computeInstanceId; }
    nvmlProcessInfo_t;
typedef struct { unsigned pid; unsigned long long timeStamp; unsigned smUtil, memUtil, encUtil, decUtil; }
    nvmlProcessUtilizationSample_t;
typedef struct { unsigned version, isSupportedDevice; } nvmlGpmSupport_t;
typedef struct nvmlGpmSample_st { unsigned device, gi; long sequence; } *nvmlGpmSample_t;
typedef struct { unsigned metricId; nvmlReturn_t nvmlReturn; double value;
                 struct { char *shortName, *longName, *unit; } metricInfo; } nvmlGpmMetric_t;
typedef struct { unsigned version, numMetrics; nvmlGpmSample_t sample1, sample2; nvmlGpmMetric_t metrics[333]; }
    nvmlGpmMetricsGet_t;
typedef struct nvmlEventSet_st { int delivered; } *nvmlEventSet_t;
typedef struct { nvmlDevice_t device; unsigned long long eventType, eventData; unsigned gpuInstanceId,
                 computeInstanceId; } nvmlEventData_t;

static long gpmSamplesAllocated, gpmSamplesFreed, gpmSequence;
static volatile int shutDown;

/* The XID thread must be stopped, and GPM samples freed, before NVML is shut down. */
static void requireInitialized(const char *function) {
  if (shutDown) fprintf(stderr, "stub: %s called after nvmlShutdown\n", function);
}

static nvmlReturn_t copy(char *out, unsigned length, const char *value) {
  if (strlen(value) + 1 > length) return INSUFFICIENT_SIZE;
  strcpy(out, value);
  return OK;
}

nvmlReturn_t nvmlInit_v2(void) { return OK; }
nvmlReturn_t nvmlShutdown(void) {
  shutDown = 1;
  fprintf(stderr, "stub: gpm samples allocated %ld, freed %ld\n", gpmSamplesAllocated, gpmSamplesFreed);
  return OK;
}
nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned length) { return copy(version, length, "580.95.05"); }
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned *count) { *count = gpuCount(); return OK; }
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned index, nvmlDevice_t *device) {
  if (index >= gpuCount()) return INVALID_ARGUMENT;
  *device = &gpus[index];
  return OK;
}
nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t device, unsigned *index) { *index = device->index; return OK; }
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned length) {
  char value[48];
  if (device->mig) {
    snprintf(value, sizeof value, "MIG-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee%x", 0xe - device->index);
  } else if (device->index == 0) {
    snprintf(value, sizeof value, "GPU-11111111-2222-4333-8444-555555555555");
  } else {
    snprintf(value, sizeof value, "GPU-99999999-8888-4777-8666-5555555555%02x", 0x55 - (device->index - 1));
  }
  return copy(uuid, length, value);
}
nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned length) {
  if (device->mig) return copy(name, length, "NVIDIA H100 80GB HBM3 MIG 1g.10gb");
  return copy(name, length, inMigMode(device) ? "NVIDIA H100 80GB HBM3" : "NVIDIA L4");
}
nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci) {
  memset(pci, 0, sizeof *pci);
  strcpy(pci->busIdLegacy, "0000:18:00.0");
  pci->bus = device->index == 0 ? 0x18 : 0x29 + device->index;
  snprintf(pci->busId, sizeof pci->busId, "00000000:%02X:00.0", pci->bus);
  return OK;
}
nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned *clock) {
  if (type == 1) *clock = 1980 - device->index;      /* NVML_CLOCK_SM */
  else if (type == 2) *clock = 2619 - device->index; /* NVML_CLOCK_MEM */
  else return INVALID_ARGUMENT;
  return OK;
}
nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned *temp) {
  if (sensor != 0) return INVALID_ARGUMENT; /* NVML_TEMPERATURE_GPU */
  *temp = 35 + device->index;
  return OK;
}
nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned *milliwatts) {
  *milliwatts = 312500 + device->index; return OK;
}
nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *millijoules) {
  *millijoules = 123456789012ULL + device->index; return OK;
}
nvmlReturn_t nvmlDeviceGetPcieReplayCounter(nvmlDevice_t device, unsigned *value) { *value = 3; return OK; }
nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization) {
  if (inMigMode(device)) return NOT_SUPPORTED; /* MIG mode */
  utilization->gpu = 42;
  utilization->memory = 17;
  return OK;
}
nvmlReturn_t nvmlDeviceGetEncoderUtilization(nvmlDevice_t device, unsigned *utilization, unsigned *periodUs) {
  if (inMigMode(device)) return NOT_SUPPORTED;
  *utilization = 5; *periodUs = 1000000; return OK;
}
nvmlReturn_t nvmlDeviceGetDecoderUtilization(nvmlDevice_t device, unsigned *utilization, unsigned *periodUs) {
  if (inMigMode(device)) return NOT_SUPPORTED;
  *utilization = 6; *periodUs = 1000000; return OK;
}
nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory) {
  if (memory->version != (sizeof(nvmlMemory_v2_t) | (2u << 24))) return VERSION_MISMATCH;
  if (device->mig) {
    memory->total = 10ULL << 30; memory->reserved = 0; memory->used = 1ULL << 30;
  } else {
    memory->total = 80ULL << 30; memory->reserved = 512ULL << 20; memory->used = 1ULL << 30;
  }
  memory->free = memory->total - memory->reserved - memory->used;
  return OK;
}
nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t device, int errorType, int counterType,
                                         unsigned long long *count) {
  if (errorType > 1 || counterType > 1) return INVALID_ARGUMENT;
  *count = 11 + errorType + 2 * counterType; /* SBE volatile 11, DBE volatile 12, SBE aggregate 13, DBE aggregate 14 */
  return OK;
}
nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long *reasons) {
  *reasons = 0x24; return OK;
}
nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t device, int count, nvmlFieldValue_t *values) {
  for (int i = 0; i < count; i++) {
    nvmlFieldValue_t *v = &values[i];
    v->nvmlReturn = OK;
    v->valueType = 3; /* NVML_VALUE_TYPE_UNSIGNED_LONG_LONG */
    switch (v->fieldId) {
      case 82: v->valueType = 1; v->value.uiVal = 45 + device->index; break; /* MEMORY_TEMP */
      case 138: case 139:                                                     /* NVLINK_THROUGHPUT_DATA_TX/RX */
        if (!inMigMode(device)) v->nvmlReturn = NOT_SUPPORTED;
        else if (v->scopeId != 0xFFFFFFFFu) v->nvmlReturn = INVALID_ARGUMENT;
        else v->value.ullVal = v->fieldId == 138 ? 1000 : 2000;
        break;
      case 38: v->value.ullVal = 7; break;  /* NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL */
      case 45: v->value.ullVal = 8; break;  /* NVLINK_CRC_DATA_ERROR_COUNT_TOTAL */
      case 52: v->value.ullVal = 9; break;  /* NVLINK_REPLAY_ERROR_COUNT_TOTAL */
      case 59: v->value.ullVal = 10; break; /* NVLINK_RECOVERY_ERROR_COUNT_TOTAL */
      default: v->nvmlReturn = NOT_SUPPORTED;
    }
  }
  return OK;
}
nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t device, unsigned *corrected, unsigned *uncorrected,
                                       unsigned *pending, unsigned *failure) {
  if (inMigMode(device)) return NOT_SUPPORTED; /* MIG instances exist */
  *corrected = 2; *uncorrected = 1; *pending = 1; *failure = 0;
  return OK;
}
nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned *current, unsigned *pending) {
  if (!inMigMode(device)) return NOT_SUPPORTED;
  *current = 1; *pending = 1; return OK;
}
nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t device, unsigned *count) { *count = 7; return OK; }
nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t device, unsigned index, nvmlDevice_t *mig) {
  if (index != 2) return NOT_FOUND; /* one instance, in slot 2: empty slots around it */
  *mig = &migDevices[device->index];
  return OK;
}
nvmlReturn_t nvmlDeviceGetGpuInstanceId(nvmlDevice_t device, unsigned *id) {
  if (!device->mig) return INVALID_ARGUMENT;
  *id = device->gi; return OK;
}
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned *count, nvmlProcessInfo_t *infos) {
  unsigned n = inMigMode(device) ? 2 : 70; /* 70: more than the first buffer holds */
  if (*count < n) { *count = n; return INSUFFICIENT_SIZE; }
  for (unsigned i = 0; i < n; i++) {
    infos[i].pid = inMigMode(device) ? 4242 + i : 5000 + i;
    infos[i].usedGpuMemory = inMigMode(device) ? (512ULL >> i) << 20 : 64ULL << 20;
    infos[i].gpuInstanceId = inMigMode(device) ? 3 : 0xFFFFFFFFu;
    infos[i].computeInstanceId = inMigMode(device) ? 0 : 0xFFFFFFFFu;
  }
  *count = n;
  return OK;
}
/* GPU 1 (no MIG): processes 5000 and 5001, sampled one second after what the caller saw last (busy processes). */
nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t device, nvmlProcessUtilizationSample_t *utilization,
                                             unsigned *count, unsigned long long lastSeenTimeStamp) {
  if (inMigMode(device)) return NOT_SUPPORTED; /* MIG mode */
  if (utilization == NULL || *count < 2) { *count = 2; return INSUFFICIENT_SIZE; }
  for (unsigned i = 0; i < 2; i++) {
    utilization[i].pid = 5000 + i; utilization[i].timeStamp = lastSeenTimeStamp + 1000000ULL;
    utilization[i].smUtil = 30 + i; utilization[i].memUtil = 10 + i;
    utilization[i].encUtil = 2 + i; utilization[i].decUtil = 4 + i;
  }
  *count = 2;
  return OK;
}
nvmlReturn_t nvmlGpmQueryDeviceSupport(nvmlDevice_t device, nvmlGpmSupport_t *support) {
  if (support->version != 1) return VERSION_MISMATCH;
  support->isSupportedDevice = inMigMode(device);
  return OK;
}
nvmlReturn_t nvmlGpmSampleAlloc(nvmlGpmSample_t *sample) {
  *sample = calloc(1, sizeof(struct nvmlGpmSample_st));
  gpmSamplesAllocated++;
  return OK;
}
nvmlReturn_t nvmlGpmSampleFree(nvmlGpmSample_t sample) {
  requireInitialized("nvmlGpmSampleFree");
  free(sample);
  gpmSamplesFreed++;
  return OK;
}
nvmlReturn_t nvmlGpmSampleGet(nvmlDevice_t device, nvmlGpmSample_t sample) {
  sample->device = device->index; sample->gi = 0xFFFFFFFFu; sample->sequence = ++gpmSequence; return OK;
}
nvmlReturn_t nvmlGpmMigSampleGet(nvmlDevice_t device, unsigned gi, nvmlGpmSample_t sample) {
  if (gi != 3) return NOT_FOUND;
  sample->device = device->index; sample->gi = gi; sample->sequence = ++gpmSequence; return OK;
}
/* Whole GPU: metric id x 10 percent (or MiB/s); the MIG instance: metric id x 2. */
nvmlReturn_t nvmlGpmMetricsGet(nvmlGpmMetricsGet_t *request) {
  if (request->version != 1 || request->numMetrics > 333) return VERSION_MISMATCH;
  if (!request->sample1 || !request->sample2 || request->sample1->gi != request->sample2->gi
      || request->sample1->sequence >= request->sample2->sequence) return INVALID_ARGUMENT;
  for (unsigned i = 0; i < request->numMetrics; i++) {
    nvmlGpmMetric_t *metric = &request->metrics[i];
    metric->nvmlReturn = OK;
    metric->value = metric->metricId * (request->sample1->gi == 3 ? 2.0 : 10.0);
  }
  return OK;
}
nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t *set) { *set = calloc(1, sizeof(struct nvmlEventSet_st)); return OK; }
nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set) { requireInitialized("nvmlEventSetFree"); free(set); return OK; }
nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t device, unsigned long long types, nvmlEventSet_t set) {
  if (types != 8) return INVALID_ARGUMENT; /* nvmlEventTypeXidCriticalError */
  return inMigMode(device) ? OK : NOT_SUPPORTED;
}
/* One XID 79 on GPU 0's instance 3, then nothing until the timeout. */
nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t *data, unsigned timeoutMs) {
  requireInitialized("nvmlEventSetWait_v2");
  if (!set->delivered) {
    set->delivered = 1;
    data->device = &gpus[0]; data->eventType = 8; data->eventData = 79;
    data->gpuInstanceId = 3; data->computeInstanceId = 0;
    return OK;
  }
  /* Like the driver, block for the whole timeout when no event comes (a caller polling with a 1 s
     timeout wakes once a second, which is what a benchmark on this stand-in should cost). */
  struct timespec pause = {timeoutMs / 1000, (long) (timeoutMs % 1000) * 1000000L};
  nanosleep(&pause, NULL);
  return TIMEOUT;
}
