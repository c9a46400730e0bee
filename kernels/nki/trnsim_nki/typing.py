"""nki.typing: annotation-only names (tensor, mutable_tensor); no runtime effect."""


class tensor:  # noqa: N801
    def __class_getitem__(cls, item):
        return cls


mutable_tensor = tensor
