public enum RDTCoreModule {}
