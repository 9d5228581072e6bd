"""EfficientNet implementations written in other projects' styles, for `effnet-inspect inspect --model`.

They are written from the published rules and each project's conventions (not from our builder) and are never
imported by the package itself: the tests load them the way a user would, through --model MODULE:CALLABLE.
"""
