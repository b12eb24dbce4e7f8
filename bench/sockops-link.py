#!/usr/bin/env python3
"""Attaches a loaded sock_ops program to a cgroup with a BPF link that lives as long as this process.

Usage: sockops-link.py PROGRAM_ID CGROUP_DIR. Prints "attached" once the link exists, then waits for a signal;
the link goes when the process exits, however it exits, and the process exits when its parent does. The tcp cost
benchmark uses it to turn the agent's sock_ops program on and off without restarting the agent.
"""
import ctypes
import os
import signal
import sys

BPF_PROG_GET_FD_BY_ID = 13
BPF_LINK_CREATE = 28
BPF_CGROUP_SOCK_OPS = 3
PR_SET_PDEATHSIG = 1
SYS_BPF = {"x86_64": 321, "aarch64": 280}[os.uname().machine]

libc = ctypes.CDLL(None, use_errno=True)


def bpf(command, *fields):
    """The bpf system call with an attribute of 32-bit fields; returns the descriptor it made."""
    attr = (ctypes.c_uint32 * 32)(*fields)
    fd = libc.syscall(SYS_BPF, command, ctypes.byref(attr), ctypes.sizeof(attr))
    if fd < 0:
        errno = ctypes.get_errno()
        sys.exit(f"sockops-link: bpf command {command}: {os.strerror(errno)}")
    return fd


libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
program = bpf(BPF_PROG_GET_FD_BY_ID, int(sys.argv[1]))
cgroup = os.open(sys.argv[2], os.O_RDONLY | os.O_DIRECTORY)
link = bpf(BPF_LINK_CREATE, program, cgroup, BPF_CGROUP_SOCK_OPS)
print("attached", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
signal.pause()
