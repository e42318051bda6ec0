// The Working Alliance: small page enhancements that need no kernel.
